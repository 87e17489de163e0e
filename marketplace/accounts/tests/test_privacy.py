"""Download my data and delete my account, across every app's contribution."""

import json

import pytest
from django.core import mail

from marketplace.accounts.models import Address, ApiToken, User
from marketplace.accounts.privacy import ErasureRefused, account_erase
from marketplace.accounts.services import address_create, api_token_create
from marketplace.models import Notification
from marketplace.personal_data import contributions, personal_data_export
from orders.conversation import order_message_post
from orders.models import LedgerEntry, Order, OrderMessage
from orders.services import order_mark_delivered, order_mark_shipped
from orders.tests.factories import paid_order
from reviews.models import Review
from reviews.selectors import reviewer_name
from reviews.services import review_create

pytestmark = pytest.mark.django_db

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}


def _delivered(user, vendor) -> Order:
    order = paid_order(user=user, vendor=vendor)
    order_mark_shipped(order=order, by=vendor.owner, carrier="Royal Mail", tracking_number="RM1")
    order_mark_delivered(order=order, by=vendor.owner)
    order.refresh_from_db()
    return order


@pytest.fixture
def history(shopper, vendor_a):
    """Everything a shopper leaves behind: an address, a delivered order with a message and a review,
    a notification, an API token."""
    address_create(user=shopper, fields=HOME, label="Home")
    order = _delivered(shopper, vendor_a)
    order_message_post(order=order, by=shopper, body="Could you wrap it, please?", from_shop=False)
    order_message_post(order=order, by=vendor_a.owner, body="Of course.", from_shop=True)
    review = review_create(author=shopper, order_item=order.items.get(), rating=5, text="Lovely glaze")
    Notification.objects.create(user=shopper, kind="test", text="Your order shipped")
    api_token_create(user=shopper, name="script")
    return {"order": order, "review": review}


# --- Export ----------------------------------------------------------------------------------------


def test_every_app_with_personal_data_contributes():
    names = {module.__name__ for module in contributions()}
    assert {
        "marketplace.accounts.personal_data",
        "vendors.personal_data",
        "checkout.personal_data",
        "orders.personal_data",
        "reviews.personal_data",
    } <= names


def test_export_holds_account_addresses_orders_lines_messages_reviews_notifications(shopper, history):
    data = json.loads(json.dumps(personal_data_export(user=shopper)))
    assert data["account"]["email"] == shopper.email
    assert data["addresses"][0]["line1"] == "1 High St" and data["addresses"][0]["label"] == "Home"
    (order,) = data["orders"]
    assert order["number"] == history["order"].number and order["total"] == f"{history['order'].total:.2f}"
    assert order["lines"][0]["quantity"] == 1
    assert [m["body"] for m in data["messages"]] == ["Could you wrap it, please?", "Of course."]
    assert data["reviews"][0]["text"] == "Lovely glaze"
    assert data["notifications"][0]["text"] == "Your order shipped"
    assert data["checkouts"][0]["shipping_address"]["postcode"] == "BA1 1AA"
    assert data["api_tokens"][0]["name"] == "script" and "key_hash" not in json.dumps(data)
    assert data["shop"] is None


def test_export_holds_nothing_of_other_people(shopper, other_shopper, vendor_a, history):
    address_create(user=other_shopper, fields={**HOME, "name": "Olli Other", "line1": "77 Secret Lane"})
    theirs = _delivered(other_shopper, vendor_a)
    order_message_post(order=theirs, by=other_shopper, body="Olli's private note", from_shop=False)
    review_create(author=other_shopper, order_item=theirs.items.get(), rating=2, text="Olli's opinion")
    Notification.objects.create(user=other_shopper, kind="test", text="Olli's bell")
    dumped = json.dumps(personal_data_export(user=shopper))
    for secret in (other_shopper.email, "Olli", "77 Secret Lane", theirs.number, "Olli's"):
        assert secret not in dumped


def test_the_download_is_a_json_attachment_of_the_signed_in_person_only(client, shopper, history):
    assert client.get("/account/privacy/export").status_code == 302  # anonymous: sign in first
    client.force_login(shopper)
    response = client.get("/account/privacy/export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["account"]["email"] == shopper.email


# --- Deletion --------------------------------------------------------------------------------------


def _delete(client, user, password, reviews="keep"):
    client.force_login(user)
    return client.post("/account/privacy/", {"reviews": reviews, "password": password})


def test_deletion_anonymises_the_orders_for_buyer_and_shop_and_keeps_the_money(
    client, shopper, vendor_a, history, password, django_capture_on_commit_callbacks
):
    order = history["order"]
    money = (order.subtotal, order.shipping, order.total, order.platform_fee, order.vendor_net)
    ledger = sorted(LedgerEntry.objects.filter(order=order).values_list("kind", "account", "amount"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(client, shopper, password)
    assert response.status_code == 302

    order.refresh_from_db()
    checkout = order.checkout
    assert (order.subtotal, order.shipping, order.total, order.platform_fee, order.vendor_net) == money
    assert sorted(LedgerEntry.objects.filter(order=order).values_list("kind", "account", "amount")) == ledger
    assert checkout.shipping_name == "Former customer"
    assert "Sasha" not in checkout.email and checkout.shipping_line1 != "1 High St" and checkout.shipping_postcode == ""
    assert checkout.shipping_country == "GB"  # where the goods went: kept for the tax records
    assert OrderMessage.objects.filter(order=order, from_shop=False).get().author is None

    client.force_login(vendor_a.owner)  # the shop's view of the same order
    page = client.get(f"/shops/dashboard/orders/{order.number}/").content.decode()
    assert "Former customer" in page and "Could you wrap it" in page
    assert "shopper@example.com" not in page and "Sasha" not in page and "1 High St" not in page
    inbox = client.get("/shops/dashboard/orders/").content.decode()
    assert "Former customer" in inbox and "Sasha" not in inbox


def test_the_account_keeps_nothing_personal_and_frees_the_email(client, shopper, history, password):
    _delete(client, shopper, password)
    user = User.objects.get(pk=shopper.pk)
    assert user.erased_at is not None and not user.is_active and not user.has_usable_password()
    assert user.email == f"erased-{user.pk}@erased.invalid" and user.name == ""
    assert not Address.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
    assert not user.emailaddress_set.exists()
    User.objects.create_user(email="shopper@example.com", password=password)  # the address is free again


def test_kept_reviews_are_shown_as_by_a_former_customer(client, shopper, history, password):
    product = history["review"].product
    _delete(client, shopper, password, reviews="keep")
    review = Review.objects.get(pk=history["review"].pk)
    assert reviewer_name(review.author) == "Former customer"
    assert "Former customer" in client.get(product.get_absolute_url()).content.decode()


def test_removed_reviews_are_gone_and_the_ratings_follow(client, shopper, history, password):
    product = history["review"].product
    _delete(client, shopper, password, reviews="remove")
    assert not Review.objects.filter(pk=history["review"].pk).exists()
    product.refresh_from_db()
    assert product.rating_count == 0


def test_tokens_and_sessions_end(client, shopper, history, password):
    _, key = api_token_create(user=shopper, name="another")
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(shopper)  # signed in on another device
    assert elsewhere.get("/account/").status_code == 200
    _delete(client, shopper, password)
    assert not ApiToken.objects.filter(user=shopper).exists()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert elsewhere.get("/account/").status_code == 302  # signed out there too
    assert client.get("/account/").status_code == 302


def test_the_confirmation_email_goes_once_to_the_old_address(
    client, shopper, history, password, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _delete(client, shopper, password)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ErasureRefused):
        account_erase(user=User.objects.get(pk=shopper.pk), keep_reviews=True)
    sent = [m for m in mail.outbox if "deleted" in m.subject]
    assert len(sent) == 1 and sent[0].to == ["shopper@example.com"]
    assert "Former customer" in sent[0].body


def test_a_wrong_password_deletes_nothing(client, shopper, history):
    response = _delete(client, shopper, "not-my-password")
    assert response.status_code == 422 and "That isn" in response.content.decode()
    assert User.objects.get(pk=shopper.pk).erased_at is None


def test_an_account_without_a_password_confirms_by_typing(client, shopper):
    shopper.set_unusable_password()
    shopper.save()
    client.force_login(shopper)
    assert client.post("/account/privacy/", {"reviews": "keep", "confirm": "delete me"}).status_code == 422
    assert client.post("/account/privacy/", {"reviews": "keep", "confirm": "DELETE"}).status_code == 302
    assert User.objects.get(pk=shopper.pk).erased_at is not None


def test_the_review_choice_must_be_made(client, shopper, password):
    client.force_login(shopper)
    assert client.post("/account/privacy/", {"password": password}).status_code == 422
    assert User.objects.get(pk=shopper.pk).erased_at is None


def test_a_shop_owner_with_an_open_shop_is_told_what_to_do_first(client, vendor_a, password):
    page = client.get("/account/privacy/")
    client.force_login(vendor_a.owner)
    page = client.get("/account/privacy/").content.decode()
    assert "can't be deleted yet" in page and "Kiln &amp; Co" in page and 'id="delete-account"' not in page
    response = client.post("/account/privacy/", {"reviews": "keep", "password": password})
    assert response.status_code == 422
    owner = User.objects.get(pk=vendor_a.owner_id)
    assert owner.erased_at is None and owner.is_active


def test_a_suspended_shop_with_unfinished_orders_is_refused_then_allowed_once_done(shopper, vendor_a):
    from vendors.models import Vendor

    order = paid_order(user=shopper, vendor=vendor_a)
    Vendor.objects.filter(pk=vendor_a.pk).update(status=Vendor.Status.SUSPENDED)
    with pytest.raises(ErasureRefused, match="unfinished order"):
        account_erase(user=vendor_a.owner, keep_reviews=True)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    order_mark_delivered(order=order, by=vendor_a.owner)
    account_erase(user=vendor_a.owner, keep_reviews=True)
    assert Vendor.objects.get(pk=vendor_a.pk).name == "Kiln & Co"  # the shop stays as the record


def test_a_buyer_whose_order_has_not_shipped_is_refused(shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    with pytest.raises(ErasureRefused, match=order.number):
        account_erase(user=shopper, keep_reviews=True)
    assert Order.objects.get(pk=order.pk).checkout.shipping_name == "Sasha Shopper"


def test_deletion_is_one_transaction(shopper, history, monkeypatch):
    import marketplace.accounts.personal_data

    def broken(user, *, keep_reviews):
        raise RuntimeError("disk full")

    # The account is erased last: by then every other app has done its part, and all of it must roll back.
    monkeypatch.setattr(marketplace.accounts.personal_data, "erase", broken)
    with pytest.raises(RuntimeError):
        account_erase(user=shopper, keep_reviews=False)
    assert User.objects.get(pk=shopper.pk).email == "shopper@example.com"
    assert Review.objects.filter(pk=history["review"].pk).exists()
    order = Order.objects.select_related("checkout").get(pk=history["order"].pk)
    assert order.checkout.shipping_name == "Sasha Shopper"
    assert OrderMessage.objects.filter(author=shopper).count() == 1
    assert not mail.outbox


def test_a_checkout_still_awaiting_payment_refuses_until_it_is_paid_or_released(shopper, vendor_a):
    """A payment still able to land (3-D Secure in progress) would make a paid order with no address to ship to."""
    from catalog.tests.factories import ProductFactory
    from checkout.models import Cart
    from checkout.placement import checkout_expire, checkout_place
    from checkout.services import cart_add
    from orders.tests.factories import ADDRESS

    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    with pytest.raises(ErasureRefused, match="waiting for payment"):
        account_erase(user=shopper, keep_reviews=True)
    type(checkout).objects.filter(pk=checkout.pk).update(expires_at=checkout.created_at)
    assert checkout_expire(checkout=checkout)
    account_erase(user=shopper, keep_reviews=True)
    checkout.refresh_from_db()
    assert checkout.shipping_name == "Former customer"


def test_after_erasure_order_updates_email_and_notify_nobody(
    shopper, vendor_a, password, django_capture_on_commit_callbacks
):
    """The late: an order that shipped before the erasure is delivered after it. Its email would go to the
    erased placeholder (a bounce at the email provider) and its bell to an account no one can open."""
    order = paid_order(user=shopper, vendor=vendor_a)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=shopper, keep_reviews=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_delivered(order=Order.objects.get(pk=order.pk), by=vendor_a.owner)
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert mail.outbox == []
    assert not Notification.objects.filter(user_id=shopper.pk).exists()


def test_the_stripe_customer_holding_name_and_email_is_deleted_after_commit(
    shopper, localstripe, django_capture_on_commit_callbacks
):
    import stripe

    from checkout.payments import user_stripe_customer
    from marketplace.stripe_client import stripe_client

    customer_id = user_stripe_customer(user=shopper)
    assert stripe_client().v1.customers.retrieve(customer_id).email == shopper.email
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=User.objects.get(pk=shopper.pk), keep_reviews=True)
    assert User.objects.get(pk=shopper.pk).stripe_customer_id == ""
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client().v1.customers.retrieve(customer_id)


def test_the_privacy_page_offers_the_download_and_the_confirmation_step(client, shopper):
    assert client.get("/account/privacy/").status_code == 302  # anonymous: sign in first
    client.force_login(shopper)
    page = client.get("/account/privacy/").content.decode()
    assert 'href="/account/privacy/export"' in page
    assert 'id="delete-account"' in page and 'name="password"' in page and 'name="reviews"' in page
    assert "/account/privacy/" in client.get("/account/").content.decode()


def test_the_export_costs_the_same_queries_for_one_order_or_many(shopper, vendor_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            personal_data_export(user=shopper)
        return len(captured)

    first = _delivered(shopper, vendor_a)
    review_create(author=shopper, order_item=first.items.get(), rating=4)
    one = queries()
    for _ in range(5):
        order = _delivered(shopper, vendor_a)
        review_create(author=shopper, order_item=order.items.get(), rating=5)
        order_message_post(order=order, by=shopper, body="Thanks!", from_shop=False)
    assert queries() == one, "a query per order or review (N+1)"
