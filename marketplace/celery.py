"""The Celery application. Tasks live in each app's ``tasks.py``.

Without ``REDIS_URL`` the settings switch Celery to eager mode, so a single
``make run`` process runs tasks inline; with it, a worker and beat run against
Redis (see the README).
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
@signals.beat_init.connect
def _telemetry(**kwargs):
    # In each worker process after the fork (exporters hold threads and sockets), and in beat.
    from marketplace.telemetry import telemetry_configure

    telemetry_configure()
