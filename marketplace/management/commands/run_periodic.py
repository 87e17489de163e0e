"""``manage.py run_periodic``: Celery beat's schedule, run inline, for development without Redis."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.utils import timezone

from marketplace.periodic import scheduler_for_settings


class Command(BaseCommand):
    help = "Run the CELERY_BEAT_SCHEDULE jobs inline, each at its interval (make run starts this without Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args, once: bool = False, **options):
        scheduler = scheduler_for_settings()
        if once:
            ran = scheduler.run_due(timezone.now())
            self.stdout.write(f"Ran: {', '.join(ran) or 'nothing'}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("Running the periodic jobs (CELERY_BEAT_SCHEDULE) inline; Ctrl-C stops.")
        scheduler.run_forever(stop=stop)
