"""Finding an order again: numbers on the confirmation page and in emails, a signed link in the receipt."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing

from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(placed_checkout, django_capture_on_commit_callbacks):
    card_pay(placed_checkout)
    with django_capture_on_commit_callbacks(execute=True):
        checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return checkout


def _numbers(checkout) -> list[str]:
    return [order.number for order in Order.objects.filter(checkout=checkout).order_by("pk")]


def _receipt(checkout):
    return next(m for m in mail.outbox if m.to == [checkout.email])


def _link(checkout) -> str:
    found = re.search(r"https?://[^\s\"<>]+/cart/orders/[^\s\"<>]+", _receipt(checkout).body)
    assert found, _receipt(checkout).body
    return found.group(0)


def test_each_order_of_a_checkout_has_its_own_readable_number(paid):
    numbers = _numbers(paid)
    assert len(set(numbers)) == 2 and all(re.fullmatch(r"AM-[0-9A-Z]{4}-[0-9A-Z]{2}", n) for n in numbers)


def test_the_confirmation_page_shows_each_order_number(client, paid, shopper):
    client.force_login(shopper)
    page = client.get(f"/cart/checkout/{paid.pk}/done").content.decode()
    assert all(number in page for number in _numbers(paid))


def test_emails_carry_the_order_numbers(paid):
    receipt = _receipt(paid)
    assert all(number in receipt.body for number in _numbers(paid))
    assert all(number in receipt.alternatives[0][0] for number in _numbers(paid))
    kiln = Order.objects.get(checkout=paid, vendor__name="Kiln & Co")
    shop_email = next(m for m in mail.outbox if m.to == ["ana@example.com"])
    assert kiln.number in shop_email.subject and kiln.number in shop_email.body


def test_the_receipt_links_a_guest_back_to_their_orders(client, paid, settings):
    link = _link(paid)
    assert link.startswith(settings.SITE_URL)
    assert link in _receipt(paid).alternatives[0][0]  # the HTML part too
    page = client.get(link.removeprefix(settings.SITE_URL))  # a fresh browser: no session, not signed in
    assert page.status_code == 200
    body = page.content.decode()
    assert all(number in body for number in _numbers(paid)) and "Kiln &amp; Co" in body
    assert "no-store" in page.headers["Cache-Control"]  # an address and a bearer link: never cached


def test_a_tampered_link_is_a_friendly_404(client, paid, settings):
    token = _link(paid).removeprefix(settings.SITE_URL).split("/")[3]
    tampered = token[:-2] + ("xy" if not token.endswith("xy") else "yz")
    for bad in (tampered, token.replace(":", ":x", 1), "nonsense", signing.dumps(paid.pk, salt="some.other.use")):
        page = client.get(f"/cart/orders/{bad}/")
        assert page.status_code == 404, bad
        assert "expired or isn" in page.content.decode()


def test_an_expired_link_is_a_friendly_404(client, paid, monkeypatch):
    import time

    from checkout.order_links import LINK_MAX_AGE, checkout_view_url

    # A link signed just over its lifetime ago (Django's signer dates it; nothing of ours is faked).
    signed_at = int(time.time() - LINK_MAX_AGE.total_seconds() - 60)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(signed_at))
    old = checkout_view_url(checkout=paid, absolute=False)
    monkeypatch.undo()
    page = client.get(old)
    assert page.status_code == 404 and "expired or isn" in page.content.decode()
    assert timedelta(days=90) <= LINK_MAX_AGE
    assert client.get(checkout_view_url(checkout=paid, absolute=False)).status_code == 200
