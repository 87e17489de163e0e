"""Run the same code in several threads released together, each with its own database connection."""

import threading

from django.db import connection


def run_at_once(target, times: int) -> list:
    """Call ``target()`` in ``times`` threads that start together; returns what each returned or raised."""
    start = threading.Barrier(times)
    outcomes = []

    def run():
        try:
            start.wait()
            outcomes.append(target())
        except Exception as exc:  # the caller asserts on it
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
