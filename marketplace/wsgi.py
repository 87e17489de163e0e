import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

# Before the app is built: Django's instrumentation adds its middleware to the settings it loads.
from marketplace.telemetry import telemetry_configure

telemetry_configure()
application = get_wsgi_application()
