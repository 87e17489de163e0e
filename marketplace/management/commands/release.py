"""``manage.py release``: apply migrations once, however many containers start together.

The deploy runs it in the staging slot before a swap (``infra/entrypoint.sh web`` with
``RUN_MIGRATIONS=1``). A slot runs on every instance of the plan, so several containers
start at once; a PostgreSQL advisory lock lets one of them migrate while the others wait
and then find nothing left to apply.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Any constant shared by every container of the site; "mkt-rel" in ASCII.
RELEASE_LOCK_KEY = 0x6D6B742D72656C


class Command(BaseCommand):
    help = "Apply migrations under a database-wide lock (run before a slot swap)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lock-timeout", type=float, default=600.0, help="Seconds to wait for another release to finish."
        )

    def handle(self, *args, lock_timeout: float = 600.0, **options):
        verbosity = options.get("verbosity", 1)
        deadline = time.monotonic() + lock_timeout
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [RELEASE_LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise CommandError(f"Another release held the migration lock for {lock_timeout:g}s; giving up.")
                time.sleep(0.5)
        try:
            # A session-level lock: held across migrate's own transactions on this connection.
            call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RELEASE_LOCK_KEY])
        self.stdout.write("Release: migrations applied.")
