"""Application Insights through OpenTelemetry, and the business events the platform is watched by.

``telemetry_configure()`` runs once per process (web: ``wsgi.py``; worker and beat:
``celery.py``) and does nothing unless ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set:
then requests, database and HTTP dependencies, exceptions and log records (each
carrying the request id, see ``request_id.py``) go to Application Insights.

``telemetry_event(name, **attributes)`` records one business event two ways:

- a counter ``marketplace.<name>`` (a metric: what the alert rules and the payment
  success rate are computed from), with only the low-cardinality attributes
  listed in ``EVENTS`` as dimensions;
- a log record on ``marketplace.events`` named by ``microsoft.custom_event.name``,
  which Application Insights stores as a custom event with every attribute.

Events are emitted after the surrounding transaction commits, so a rolled-back
payment is never counted. Without a connection string the OpenTelemetry API is
a no-op and the events logger is quiet: development prints nothing extra.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from opentelemetry import metrics

from marketplace.request_id import current_request_id

# Each event and the attributes that become metric dimensions (few values each; ids stay in the custom event).
EVENTS: dict[str, tuple[str, ...]] = {
    "order_created": ("currency",),
    "payment_succeeded": ("currency",),
    "payment_failed": (),
    "checkout_abandoned": ("currency",),
    "webhook_processed": ("endpoint", "type"),
    "webhook_failed": ("endpoint", "reason"),
    "transfer_failed": (),
}
CUSTOM_EVENT_NAME = "microsoft.custom_event.name"  # the attribute Azure Monitor's log exporter reads

logger = logging.getLogger("marketplace.events")
_meter = metrics.get_meter("marketplace")  # a proxy until a provider is set: a no-op without one
_counters = {name: _meter.create_counter(f"marketplace.{name}", unit="1") for name in EVENTS}
_configured = False


def telemetry_configure() -> bool:
    """Send telemetry to Application Insights if it is configured; True if it now is. Safe to call twice."""
    global _configured
    connection_string = settings.APPLICATIONINSIGHTS_CONNECTION_STRING
    if _configured or not connection_string:
        return _configured
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(
        connection_string=connection_string,
        # Only what this stack uses: Django (requests), psycopg through dbapi is not instrumented by
        # default, requests/urllib3 (Stripe, storage), and the logging bridge.
        instrumentation_options={"flask": {"enabled": False}, "fastapi": {"enabled": False}},
        enable_live_metrics=settings.APPLICATIONINSIGHTS_LIVE_METRICS,
    )
    _configured = True
    return True


def _value(value):
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)  # money stays exact: a decimal string, never a float
    return str(value)


def telemetry_event(name: str, *, at_commit: bool = True, **attributes) -> None:
    """Record business event ``name`` (one of ``EVENTS``) once the current transaction commits.

    ``at_commit=False`` records it now: for a failure whose transaction is about to roll back.
    """
    if name not in EVENTS:
        raise ValueError(f"Unknown telemetry event {name!r}; add it to EVENTS.")
    values = {key: _value(value) for key, value in attributes.items() if value is not None}
    if (request_id := current_request_id()) != "-":
        values["request_id"] = request_id

    def emit():
        _counters[name].add(1, {key: values[key] for key in EVENTS[name] if key in values})
        logger.info(name, extra={CUSTOM_EVENT_NAME: name, **values})

    if at_commit:
        transaction.on_commit(emit)
    else:
        emit()
