"""The business events reach OpenTelemetry: read back through an in-memory metric reader and log exporter.

Application Insights receives exactly these (the Azure exporters sit where the in-memory ones are
here); what is tested is that each event is emitted once, after commit, with its dimensions.
"""

import logging
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from opentelemetry import metrics
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.payments import checkout_sync_payment
from checkout.placement import checkout_expire, checkout_place
from checkout.services import cart_add
from checkout.tests.conftest import ADDRESS, card_pay, deliver, event
from marketplace import telemetry

pytestmark = pytest.mark.django_db

_reader = InMemoryMetricReader()
_provider_set = False


class Telemetry:
    def __init__(self, logs: InMemoryLogRecordExporter):
        self._logs = logs
        self._start = self._counts()

    @staticmethod
    def _counts() -> Counter:
        counts = Counter()
        data = _reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        counts[(metric.name, tuple(sorted(point.attributes.items())))] += point.value
        return counts

    def metrics(self) -> dict:
        """Counter increments since the fixture started, by (metric, dimensions)."""
        now = self._counts()
        return {key: now[key] - self._start[key] for key in now if now[key] != self._start[key]}

    def events(self) -> list[dict]:
        # Without the handler's own source-location attributes (code.*).
        return [
            {key: value for key, value in data.log_record.attributes.items() if not key.startswith("code.")}
            for data in self._logs.get_finished_logs()
        ]

    def names(self) -> list[str]:
        return [attributes[telemetry.CUSTOM_EVENT_NAME] for attributes in self.events()]


@pytest.fixture
def otel():
    """OpenTelemetry's SDK with in-memory exporters in place of Azure Monitor's."""
    global _provider_set
    if not _provider_set:  # a process has one meter provider; the proxy counters bind to it
        metrics.set_meter_provider(MeterProvider(metric_readers=[_reader]))
        _provider_set = True
    logs = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    handler = LoggingHandler(logger_provider=provider)
    events_logger = logging.getLogger("marketplace.events")
    events_logger.addHandler(handler)
    level = events_logger.level
    events_logger.setLevel(logging.INFO)  # as when a connection string is set
    yield Telemetry(logs)
    events_logger.removeHandler(handler)
    events_logger.setLevel(level)


def test_a_paid_checkout_counts_its_orders_failure_and_success_once(
    otel, placed_checkout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        card_pay(placed_checkout, card="4000000000000002")  # declined
        card_pay(placed_checkout)
        checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
        checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)  # a second report changes nothing

    assert otel.names().count("payment_failed") == 1
    succeeded = [e for e in otel.events() if e[telemetry.CUSTOM_EVENT_NAME] == "payment_succeeded"]
    assert succeeded == [
        {
            telemetry.CUSTOM_EVENT_NAME: "payment_succeeded",
            "checkout_id": placed_checkout.pk,
            "amount": str(placed_checkout.total),  # money as a decimal string, never a float
            "currency": placed_checkout.currency,
        }
    ]
    counts = otel.metrics()
    assert counts[("marketplace.payment_succeeded", (("currency", placed_checkout.currency),))] == 1
    assert counts[("marketplace.payment_failed", ())] == 1


def test_placing_orders_emits_one_event_per_shop_after_commit(
    otel, shopper, vendor_a, vendor_b, localstripe, django_capture_on_commit_callbacks
):
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("20.00")), quantity=2)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_b, price=Decimal("35.50")))
    with django_capture_on_commit_callbacks(execute=True):
        checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
        assert otel.names() == []  # nothing before the commit
        checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)  # the same cart again

    created = sorted(
        (e["shop_id"], e["items"], e["amount"])
        for e in otel.events()
        if e[telemetry.CUSTOM_EVENT_NAME] == "order_created"
    )
    orders = {order.vendor_id: order for order in checkout.orders.all()}
    assert created == sorted(
        [(vendor_a.pk, 2, str(orders[vendor_a.pk].total)), (vendor_b.pk, 1, str(orders[vendor_b.pk].total))]
    )
    assert otel.metrics()[("marketplace.order_created", (("currency", checkout.currency),))] == 2


def test_events_wait_for_the_commit_and_vanish_with_a_rollback(otel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        telemetry.telemetry_event("transfer_failed", order_id=1, shop_id=2)
        raise RuntimeError("the payment's transaction rolls back")
    assert otel.names() == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        telemetry.telemetry_event("transfer_failed", order_id=1, shop_id=2)
        assert otel.names() == []
    assert len(callbacks) == 1
    assert otel.names() == ["transfer_failed"]


def test_an_unknown_event_is_refused():
    with pytest.raises(ValueError, match="Unknown telemetry event"):
        telemetry.telemetry_event("order_creatd")


def test_webhooks_count_processed_replayed_and_refused(
    otel, client, placed_checkout, django_capture_on_commit_callbacks
):
    card_pay(placed_checkout)
    intent = {"id": placed_checkout.payment_intent_id, "object": "payment_intent", "status": "succeeded"}
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, event("payment_intent.succeeded", intent, "evt_t1")).status_code == 200
        assert deliver(client, event("payment_intent.succeeded", intent, "evt_t1")).status_code == 200
        assert (
            deliver(client, event("payment_intent.succeeded", intent, "evt_t2"), secret="whsec_wrong").status_code
            == 400
        )

    processed = [e for e in otel.events() if e[telemetry.CUSTOM_EVENT_NAME] == "webhook_processed"]
    assert [(e["event_id"], e["replay"]) for e in processed] == [("evt_t1", False), ("evt_t1", True)]
    assert all(len(e["request_id"]) == 32 for e in processed)  # each event names the request that caused it
    counts = otel.metrics()
    dims = (("endpoint", processed[0]["endpoint"]), ("type", "payment_intent.succeeded"))
    assert counts[("marketplace.webhook_processed", dims)] == 2
    failed = [e for e in otel.events() if e[telemetry.CUSTOM_EVENT_NAME] == "webhook_failed"]
    assert [e["reason"] for e in failed] == ["bad_signature"]


def test_an_expired_checkout_is_counted_as_abandoned(otel, placed_checkout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert checkout_expire(checkout=placed_checkout, now=timezone.now() + timedelta(days=1))
        assert not checkout_expire(checkout=placed_checkout, now=timezone.now() + timedelta(days=1))
    abandoned = [e for e in otel.events() if e[telemetry.CUSTOM_EVENT_NAME] == "checkout_abandoned"]
    assert [e["checkout_id"] for e in abandoned] == [placed_checkout.pk]
    assert Checkout.objects.get(pk=placed_checkout.pk).status == Checkout.Status.EXPIRED


def test_telemetry_is_off_without_a_connection_string_and_configured_once_with_one(settings, monkeypatch):
    import azure.monitor.opentelemetry

    calls = []
    # Never the real exporter here: it would send to Azure's ingestion endpoint.
    monkeypatch.setattr(azure.monitor.opentelemetry, "configure_azure_monitor", lambda **kw: calls.append(kw))
    monkeypatch.setattr(telemetry, "_configured", False)
    settings.APPLICATIONINSIGHTS_CONNECTION_STRING = ""
    assert telemetry.telemetry_configure() is False
    settings.APPLICATIONINSIGHTS_CONNECTION_STRING = "InstrumentationKey=00000000-0000-0000-0000-000000000000"
    assert telemetry.telemetry_configure() is True
    assert telemetry.telemetry_configure() is True
    assert [call["connection_string"] for call in calls] == [settings.APPLICATIONINSIGHTS_CONNECTION_STRING]
