"""The payments webhook's edges: events that match nothing, timestamps from the future, the shared protocol."""

import logging
import time

import pytest

from checkout.models import Checkout
from checkout.tests.conftest import card_pay, deliver, event
from marketplace.models import StripeEvent
from marketplace.stripe_client import stripe_client

pytestmark = pytest.mark.django_db


def test_an_event_for_an_intent_stripe_does_not_know_is_acknowledged_and_logged(
    client, localstripe, webhook_secret, caplog
):
    caplog.set_level(logging.WARNING)
    response = deliver(client, event("payment_intent.succeeded", {"id": "pi_not_ours_at_all"}))
    # 2xx: a non-2xx makes Stripe redeliver it for days, and nothing will ever match.
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_1").processed_at is not None
    assert "pi_not_ours_at_all" in caplog.text


def test_an_event_for_an_intent_that_matches_no_checkout_is_acknowledged_and_logged(
    client, localstripe, webhook_secret, caplog
):
    caplog.set_level(logging.WARNING)
    # Another environment sharing the Stripe account made this intent; no checkout of ours pays with it.
    intent = stripe_client().v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    response = deliver(client, event("payment_intent.succeeded", {"id": intent.id}))
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_1").processed_at is not None
    assert intent.id in caplog.text


@pytest.mark.parametrize("path", ["/api/payments/webhook", "/api/payments/connect-webhook"])
def test_a_signature_timestamped_in_the_future_is_refused(client, placed_checkout, path):
    card_pay(placed_checkout)
    future = int(time.time()) + 301  # past the 300 s tolerance, the other way
    response = deliver(
        client, event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id}), path=path, at=future
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert Checkout.objects.get(pk=placed_checkout.pk).status == "awaiting_payment"
    # A little clock skew is fine.
    response = deliver(
        client, event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id}), at=int(time.time()) + 30
    )
    assert response.status_code == 200


def test_stripe_unreachable_is_503_and_the_redelivery_is_handled(client, placed_checkout, settings, localstripe):
    card_pay(placed_checkout)
    paid = event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id})
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"
    failed = deliver(client, paid)
    assert failed.status_code == 503
    stored = StripeEvent.objects.get(event_id="evt_1")
    assert stored.processed_at is None and stored.error
    settings.STRIPE_API_BASE = localstripe.url
    again = deliver(client, paid)
    assert (again.status_code, again.json()["replay"]) == (200, False)
    assert Checkout.objects.get(pk=placed_checkout.pk).status == "paid"


def test_the_project_urlconf_imports_no_domain_view():
    import ast
    from pathlib import Path

    import marketplace

    tree = ast.parse((Path(marketplace.__file__).parent / "urls.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    domain = {"checkout", "vendors", "catalog", "orders", "reviews"}
    assert not {name for name in imported if name.split(".")[0] in domain}
