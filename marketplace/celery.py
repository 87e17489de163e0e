"""The Celery application. Tasks live in each app's ``tasks.py``.

Without ``REDIS_URL`` the settings switch Celery to eager mode, so a single
``make run`` process runs tasks inline; with it, a worker and beat run against
Redis (see the README).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
