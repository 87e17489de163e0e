"""Celery beat's schedule, kept without Redis: the development runner's in-process scheduler.

``make run`` without ``REDIS_URL`` has no broker, so no worker and no beat; the
periodic jobs (checkout expiry, payment follow-ups, search words…) would never run
and reservations would never expire. ``manage.py run_periodic`` (started by
``marketplace.devstack``) reads ``CELERY_BEAT_SCHEDULE`` — the one registration of a
job — and runs each due task inline, in its own process, through Celery's own
``Task.apply``: the same task code a worker runs, without a broker.

Why this rather than an embedded Redis: nothing to download or build per platform,
nothing listening on a port, and the dev stack stays one Python process tree that
Ctrl-C stops. Production keeps Celery beat; only interval schedules are supported
here, and anything else is refused at start rather than silently skipped.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.schedules import schedule as celery_schedule
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

logger = logging.getLogger(__name__)

Runner = Callable[[str, tuple, dict], object]


@dataclass
class _Job:
    name: str
    task: str
    every: timedelta
    args: tuple
    kwargs: dict
    next_run: datetime


def _interval(name: str, value) -> timedelta:
    if isinstance(value, bool):
        raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE[{name!r}]: schedule must be seconds, not {value!r}")
    if isinstance(value, int | float):
        every = timedelta(seconds=value)
    elif isinstance(value, timedelta):
        every = value
    elif isinstance(value, celery_schedule):
        every = value.run_every
    else:
        raise ImproperlyConfigured(
            f"CELERY_BEAT_SCHEDULE[{name!r}]: the development scheduler runs interval schedules only, "
            f"not {value!r}; run Celery beat (set REDIS_URL) or use an interval."
        )
    if every <= timedelta(0):
        raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE[{name!r}]: the interval must be positive")
    return every


class PeriodicScheduler:
    """Decides which jobs are due and runs them through ``run(task_name, args, kwargs)``.

    Every job runs at start, then every interval. A job that fell behind (a laptop
    asleep) runs once and is rescheduled from now, never once per missed interval.
    A failing job is logged and tried again at its next time; the others still run.
    """

    def __init__(self, schedule: dict, *, run: Runner, start: datetime):
        self._run = run
        self._jobs = [
            _Job(
                name=name,
                task=entry["task"],
                every=_interval(name, entry["schedule"]),
                args=tuple(entry.get("args") or ()),
                kwargs=dict(entry.get("kwargs") or {}),
                next_run=start,
            )
            for name, entry in schedule.items()
        ]

    def run_due(self, now: datetime) -> list[str]:
        """Run every job due at ``now``; the names of those run, in schedule order."""
        ran = []
        for job in self._jobs:
            if job.next_run > now:
                continue
            try:
                self._run(job.task, job.args, job.kwargs)
            except Exception:
                logger.exception("Periodic job %s (%s) failed; it runs again in %s", job.name, job.task, job.every)
            job.next_run += job.every
            if job.next_run <= now:  # fell behind: once now, then a full interval from now
                job.next_run = now + job.every
            ran.append(job.name)
        return ran

    def seconds_until_next(self, now: datetime) -> float:
        if not self._jobs:
            return 60.0
        return max(0.0, min(job.next_run for job in self._jobs).timestamp() - now.timestamp())

    def run_forever(self, *, stop: threading.Event, now: Callable[[], datetime] = timezone.now) -> None:
        while not stop.is_set():
            self.run_due(now())
            stop.wait(min(self.seconds_until_next(now()), 60.0))


class _CeleryTaskRunner:
    """Runs a registered Celery task inline with ``Task.apply`` (no broker), by name."""

    def __init__(self):
        from marketplace.celery import app

        app.loader.import_default_modules()  # each app's tasks.py, as a worker would
        self._tasks = app.tasks

    def knows(self, name: str) -> bool:
        return name in self._tasks

    def __call__(self, name: str, args: tuple, kwargs: dict):
        result = self._tasks[name].apply(args=args, kwargs=kwargs)
        return result.get(propagate=True)


def celery_task_runner() -> _CeleryTaskRunner:
    return _CeleryTaskRunner()


def scheduler_for_settings(*, start: datetime | None = None) -> PeriodicScheduler:
    """The scheduler for ``settings.CELERY_BEAT_SCHEDULE``; an unknown task name is refused at start."""
    from django.conf import settings

    run = celery_task_runner()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if not run.knows(entry["task"]):
            raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE[{name!r}] names no task: {entry['task']!r}")
    return PeriodicScheduler(settings.CELERY_BEAT_SCHEDULE, run=run, start=start or timezone.now())
