"""Payments under real timing, against localstripe: a payment after expiry, a form sent twice, a card-testing
run, amounts Stripe won't take, a failed 3-D Secure, a second or mismatched payment.

Each test reproduces a defect of issue #10 and failed before its fix.
"""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.core import mail
from django.utils import timezone

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from checkout.gateway import PaymentGatewayError, PaymentsGateway
from checkout.models import Cart, Checkout, PaymentRecord
from checkout.payments import (
    PaymentThrottled,
    checkout_confirm_payment,
    checkout_payment_intent,
    checkout_sync_payment,
)
from checkout.placement import Address, CheckoutError, checkout_place, checkouts_expire_due
from checkout.services import cart_add, cart_item_set_quantity
from marketplace.stripe_client import stripe_client
from marketplace.tests.concurrency import run_at_once
from orders.models import Order

pytestmark = pytest.mark.django_db

ADDRESS = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")
OTHER_ADDRESS = Address(name="Sasha Shopper", line1="9 Low St", city="Bath", postcode="BA1 9ZZ", country="GB")
THREE_D_SECURE = "4000002500003155"


def _card(number: str) -> str:
    """What Stripe.js hands the page for a typed card: a payment method id."""
    pm = stripe_client().v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return pm.id


def _settled(intent_id: str) -> str:
    for _ in range(50):  # localstripe settles charges asynchronously
        status = stripe_client().v1.payment_intents.retrieve(intent_id).status
        if status not in ("processing", "requires_confirmation"):
            return status
        time.sleep(0.1)
    return status


def _authenticate(localstripe, intent_id: str, client_secret: str, *, success: bool) -> requests.Response:
    """The shopper answers the bank's 3-D Secure page (localstripe's stand-in for it)."""
    return requests.post(
        f"{localstripe.url}/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}",
        json={"key": "pk_test_localstripe", "client_secret": client_secret},
        timeout=5,
    )


def _buy(user, product, quantity=1, *, card="4242424242424242", capture=None) -> Checkout:
    cart, _ = Cart.objects.get_or_create(user=user)
    cart_add(cart=cart, product=product, quantity=quantity)
    checkout = checkout_place(cart=cart, email=user.email, address=ADDRESS, user=user)
    intent_id, _ = checkout_payment_intent(checkout=checkout)
    checkout_confirm_payment(checkout=checkout, payment_method_id=_card(card))
    _settled(intent_id)
    if capture is not None:
        with capture(execute=True):
            checkout_sync_payment(intent_id=intent_id)
    else:
        checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    return checkout


def _unreachable(self, intent_id):
    raise PaymentGatewayError(retryable=True)


def _refunds(checkout: Checkout) -> list:
    return PaymentsGateway().refunds_for_charge(Checkout.objects.get(pk=checkout.pk).charge_id)


@pytest.fixture
def buyer_waiting_on_3ds(shopper, vendor_a, localstripe):
    """A shopper whose 3-D Secure challenge is open on the last unit of a mug."""
    mug = ProductFactory(vendor=vendor_a, title="Last mug", price=Decimal("40.00"), stock_quantity=1)
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=mug)
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    intent_id, secret = checkout_payment_intent(checkout=checkout)
    outcome = checkout_confirm_payment(checkout=checkout, payment_method_id=_card(THREE_D_SECURE))
    assert outcome["status"] == "requires_action"
    return checkout, intent_id, secret, mug


# --- 1. A payment that completes after its reservation expired ----------------------------


def test_expiry_cancels_the_intent_so_a_late_challenge_cannot_charge(buyer_waiting_on_3ds, localstripe):
    checkout, intent_id, secret, mug = buyer_waiting_on_3ds
    assert checkouts_expire_due(now=timezone.now() + timedelta(minutes=31)) == 1
    assert stripe_client().v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert PaymentRecord.objects.filter(checkout=checkout, kind="cancelled", stripe_id=intent_id).exists()
    # The shopper comes back from the bank's page: the intent is gone, nothing is charged.
    assert _authenticate(localstripe, intent_id, secret, success=True).status_code == 400
    checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert Product.objects.get(pk=mug.pk).stock_quantity == 1


def test_a_late_payment_for_a_resold_unit_is_refunded_never_oversold(
    buyer_waiting_on_3ds, other_shopper, localstripe, monkeypatch, django_capture_on_commit_callbacks, client
):
    checkout, intent_id, secret, mug = buyer_waiting_on_3ds

    # The cancel loses the race: Stripe can't be reached while the hold ends.
    with monkeypatch.context() as patch:
        patch.setattr(PaymentsGateway, "intent_cancel", _unreachable)
        assert checkouts_expire_due(now=timezone.now() + timedelta(minutes=31)) == 1
    assert Product.objects.get(pk=mug.pk).stock_quantity == 1  # back on sale
    rival = _buy(other_shopper, mug, capture=django_capture_on_commit_callbacks)
    assert rival.status == "paid"
    mail.outbox.clear()

    # The first shopper now passes the challenge: Stripe takes the money.
    assert _authenticate(localstripe, intent_id, secret, success=True).status_code == 200
    assert _settled(intent_id) == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        checkout_sync_payment(intent_id=intent_id)
        checkout_sync_payment(intent_id=intent_id)  # the webhook and the page both report it

    checkout.refresh_from_db()
    assert checkout.status == "refunded"
    assert set(checkout.orders.values_list("status", flat=True)) == {"cancelled"}
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0  # sold once, to the rival
    assert Order.objects.filter(status="paid").count() == 1
    assert not checkout.orders.exclude(transfer_id="").exists()  # no transfer for a refunded order
    refunds = _refunds(checkout)
    assert [r.amount() for r in refunds] == [checkout.total]  # refunded once, in full
    assert list(
        PaymentRecord.objects.filter(checkout=checkout, kind__in=["refund", "alert"]).values_list("kind", flat=True)
    ) == ["refund", "alert"]
    notice = next(m for m in mail.outbox if m.to == [checkout.email])
    assert "refunded" in notice.subject.lower() and f"${checkout.total}" in notice.body
    assert not any(m.to == [checkout.orders.get().vendor.owner.email] for m in mail.outbox)  # no "new order"

    client.force_login(checkout.user)
    page = client.get(f"/cart/checkout/{checkout.pk}/done").content.decode()
    assert "Your payment was refunded" in page and f"${checkout.total}" in page


def test_a_late_payment_whose_stock_is_still_there_is_paid_as_normal(
    buyer_waiting_on_3ds, localstripe, monkeypatch, django_capture_on_commit_callbacks
):
    checkout, intent_id, secret, mug = buyer_waiting_on_3ds
    with monkeypatch.context() as patch:
        patch.setattr(PaymentsGateway, "intent_cancel", _unreachable)
        checkouts_expire_due(now=timezone.now() + timedelta(minutes=31))
    assert _authenticate(localstripe, intent_id, secret, success=True).status_code == 200
    _settled(intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0  # taken again
    assert checkout.orders.get().transfer_id
    assert _refunds(checkout) == []


def test_a_late_payment_keeps_the_shop_that_can_supply_and_refunds_the_other(
    shopper, other_shopper, vendor_a, vendor_b, localstripe, monkeypatch, django_capture_on_commit_callbacks
):
    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=1)
    scarf = ProductFactory(vendor=vendor_b, price=Decimal("35.50"), stock_quantity=3)
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=mug)
    cart_add(cart=cart, product=scarf)
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    intent_id, secret = checkout_payment_intent(checkout=checkout)
    checkout_confirm_payment(checkout=checkout, payment_method_id=_card(THREE_D_SECURE))
    with monkeypatch.context() as patch:
        patch.setattr(PaymentsGateway, "intent_cancel", _unreachable)
        checkouts_expire_due(now=timezone.now() + timedelta(minutes=31))
    _buy(other_shopper, mug)  # the mug sells meanwhile; the scarf doesn't
    assert _authenticate(localstripe, intent_id, secret, success=True).status_code == 200
    _settled(intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "paid"
    kiln, loom = checkout.orders.order_by("vendor__name")
    assert (kiln.status, loom.status) == ("cancelled", "paid")
    assert loom.transfer_id and not kiln.transfer_id
    refunds = _refunds(checkout)
    assert [r.amount() for r in refunds] == [kiln.total]
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0
    assert Product.objects.get(pk=scarf.pk).stock_quantity == 2


# --- 2. One cart, one payable checkout ---------------------------------------------------


def test_placing_the_same_cart_again_returns_the_open_checkout(shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=1)
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=mug)
    first = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    again = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)  # Back, place again
    assert again.pk == first.pk
    assert Checkout.objects.count() == 1
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0  # held once


def test_a_changed_cart_replaces_the_open_checkout_and_the_own_hold_never_counts(shopper, vendor_a, localstripe):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=2)
    cart = Cart.objects.create(user=shopper)
    item = cart_add(cart=cart, product=mug)
    first = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    intent_id, _ = checkout_payment_intent(checkout=first)
    cart_item_set_quantity(item=item, quantity=2)  # wants both: one of them is held by their own checkout
    second = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    first.refresh_from_db()
    assert second.pk != first.pk and first.status == "cancelled"
    assert set(first.orders.values_list("status", flat=True)) == {"expired"}
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0  # 2 held by the new one, none by the old
    assert stripe_client().v1.payment_intents.retrieve(intent_id).status == "canceled"
    # A new address is a change too; the old checkout can no longer be paid.
    third = checkout_place(cart=cart, email=shopper.email, address=OTHER_ADDRESS, user=shopper)
    assert third.pk != second.pk
    assert Checkout.objects.filter(status="awaiting_payment").count() == 1


def test_double_clicking_place_order_makes_one_checkout(client, shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=1)
    cart_add(cart=Cart.objects.create(user=shopper), product=mug)
    client.force_login(shopper)
    form = {"email": shopper.email, "name": "Sasha", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA",
            "country": "GB"}  # fmt: skip
    first = client.post("/cart/checkout/", form)
    second = client.post("/cart/checkout/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Checkout.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_placing_at_once_make_one_checkout(shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=1)
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=mug)
    outcomes = run_at_once(
        lambda: checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper).pk, times=4
    )
    assert all(isinstance(o, int) for o in outcomes) and len(set(outcomes)) == 1, outcomes
    assert Checkout.objects.count() == 1
    assert Product.objects.get(pk=mug.pk).stock_quantity == 0


def test_a_guest_keeps_their_checkout_when_the_session_list_loses_it(client, vendor_a):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=3)
    client.post("/cart/add", {"product": mug.pk, "quantity": 1})
    form = {"email": "guest@example.com", "name": "Gil", "line1": "2 Quay St", "city": "Bristol",
            "postcode": "BS1 4DJ", "country": "GB"}  # fmt: skip
    client.post("/cart/checkout/", form)
    checkout = Checkout.objects.get()
    session = client.session
    session["checkout_ids"] = []  # a concurrent request wrote the list without it
    session.save()
    assert client.get(f"/cart/checkout/{checkout.pk}/done").status_code == 200


# --- 4. Card testing ----------------------------------------------------------------------


def test_card_testing_is_throttled_after_five_declines(client, shopper, vendor_a, localstripe, settings):
    settings.CARD_DECLINES_PER_HOUR = 5
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    client.force_login(shopper)
    answers = []
    for _ in range(6):
        response = client.post(f"/cart/checkout/{checkout.pk}/confirm", {"token": _card("4000000000000002")})
        answers.append((response.status_code, response.json()["status"]))
    assert answers[:5] == [(200, "declined")] * 5
    assert answers[5][0] == 429 and answers[5][1] == "throttled"
    assert "Too many cards" in response.json()["message"]
    assert PaymentRecord.objects.filter(checkout=checkout, kind="failed").count() == 5  # one per real attempt
    # Reloading the confirmation page and the webhook's reports add no rows.
    for _ in range(5):
        client.get(f"/cart/checkout/{checkout.pk}/done")
        checkout_sync_payment(intent_id=Checkout.objects.get(pk=checkout.pk).payment_intent_id)
    assert PaymentRecord.objects.filter(checkout=checkout, kind="failed").count() == 5


def test_the_same_client_is_throttled_across_checkouts(shopper, other_shopper, vendor_a, localstripe, settings):
    settings.CARD_DECLINES_PER_HOUR = 2
    checkouts = []
    for user in (shopper, other_shopper):
        cart = Cart.objects.create(user=user)
        cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
        checkouts.append(checkout_place(cart=cart, email=user.email, address=ADDRESS, user=user))
    for _ in range(2):
        checkout_confirm_payment(checkout=checkouts[0], payment_method_id=_card("4000000000000002"), client_key="ip1")
    with pytest.raises(PaymentThrottled):
        checkout_confirm_payment(checkout=checkouts[1], payment_method_id=_card("4242424242424242"), client_key="ip1")
    # Another client on that second checkout is not held back.
    outcome = checkout_confirm_payment(
        checkout=checkouts[1], payment_method_id=_card("4242424242424242"), client_key="ip2"
    )
    assert outcome["status"] in ("succeeded", "processing")


# --- 6. Amounts Stripe will not accept -------------------------------------------------------


def test_a_checkout_below_stripes_minimum_charge_is_refused(shopper, vendor_a):
    vendor_a.shipping_flat = Decimal("0.00")
    vendor_a.save()
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("0.30")))
    with pytest.raises(CheckoutError, match=r"start at 0\.50 USD"):
        checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    assert not Checkout.objects.exists()


# --- 8. A failed 3-D Secure is said as such ------------------------------------------------------


def test_failed_authentication_is_shown_with_another_card_offered(client, buyer_waiting_on_3ds, localstripe):
    checkout, intent_id, secret, _ = buyer_waiting_on_3ds
    assert _authenticate(localstripe, intent_id, secret, success=False).status_code == 200
    client.force_login(checkout.user)
    page = client.get(f"/cart/checkout/{checkout.pk}/done").content.decode()
    assert "Authentication failed" in page and "Waiting for your payment" not in page
    assert f"/cart/checkout/{checkout.pk}/pay" in page and "Try another card" in page
    client.get(f"/cart/checkout/{checkout.pk}/done")
    assert PaymentRecord.objects.filter(checkout=checkout, kind="failed").count() == 1
    # Another card then pays the same checkout.
    outcome = checkout_confirm_payment(checkout=checkout, payment_method_id=_card("4242424242424242"))
    assert outcome["status"] in ("succeeded", "processing")
    _settled(intent_id)
    assert "Thank you!" in client.get(f"/cart/checkout/{checkout.pk}/done").content.decode()


# --- 9. A second payment, or one that doesn't match --------------------------------------------------


def test_a_second_payment_for_a_paid_checkout_is_refunded_and_flagged(shopper, vendor_a, localstripe):
    checkout = _buy(shopper, ProductFactory(vendor=vendor_a, price=Decimal("30.00")))
    assert checkout.status == "paid"
    client = stripe_client()
    stray = client.v1.payment_intents.create(
        params={"amount": 3000 + int(checkout.shipping * 100), "currency": "usd", "payment_method_types": ["card"],
                "metadata": {"checkout_id": str(checkout.pk)}}
    )  # fmt: skip
    client.v1.payment_intents.update(stray.id, params={"payment_method": _card("4242424242424242")})
    client.v1.payment_intents.confirm(stray.id)
    assert _settled(stray.id) == "succeeded"
    for _ in range(3):  # redelivered: refunded once
        checkout_sync_payment(intent_id=stray.id)
    alerts = PaymentRecord.objects.filter(checkout=checkout, kind="alert", stripe_id=stray.id)
    assert alerts.count() == 1 and "second payment" in alerts.get().detail
    refunds = PaymentsGateway().refunds_for_charge(client.v1.payment_intents.retrieve(stray.id).latest_charge)
    assert len(refunds) == 1 and refunds[0].amount_minor == int(stray.amount)
    checkout.refresh_from_db()
    assert checkout.status == "paid" and checkout.payment_intent_id != stray.id


def test_a_payment_of_the_wrong_amount_is_refunded_not_marked_paid(shopper, vendor_a, localstripe):
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("30.00")))
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    intent_id, _ = checkout_payment_intent(checkout=checkout)
    checkout_confirm_payment(checkout=checkout, payment_method_id=_card("4242424242424242"))
    assert _settled(intent_id) == "succeeded"
    paid = int(stripe_client().v1.payment_intents.retrieve(intent_id).amount)
    Checkout.objects.filter(pk=checkout.pk).update(total=Decimal("999.00"))  # what we expect no longer matches
    checkout_sync_payment(intent_id=intent_id)
    checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "awaiting_payment"
    alert = PaymentRecord.objects.get(checkout=checkout, kind="alert")
    assert "amount mismatch" in alert.detail
    charge = stripe_client().v1.payment_intents.retrieve(intent_id).latest_charge
    assert [r.amount_minor for r in PaymentsGateway().refunds_for_charge(charge)] == [paid]
