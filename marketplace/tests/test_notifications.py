"""The bell: notifications are made after commit, counted in the header, listed, marked read (one / all), and
served by the API; each person sees and marks only their own. Orders ring it when paid, shipped, delivered."""

import pytest
from django.db import transaction

from marketplace.models import Notification
from marketplace.notifications import notify
from marketplace.templatetags.site_tags import money
from orders.services import order_mark_delivered, order_mark_shipped
from orders.tests.factories import paid_order

pytestmark = pytest.mark.django_db


def _notify(user, text="Your order has shipped.", url="/account/orders/", kind="order_shipped"):
    notify(user=user, kind=kind, text=text, url=url)


def test_a_notification_is_made_after_commit_only(shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(shopper)
    assert Notification.objects.filter(user=shopper).count() == 1

    class Boom(Exception):
        pass

    with pytest.raises(Boom), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _notify(shopper, text="rolled back")
        raise Boom
    assert not Notification.objects.filter(text="rolled back").exists()


def test_guests_have_no_bell(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(user=None, kind="order_shipped", text="x")
    assert callbacks == [] and not Notification.objects.exists()


def test_the_header_bell_counts_the_unread(client, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    page = client.get("/account/").content.decode()
    assert 'id="bell"' in page and 'id="bell-count"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        _notify(shopper)
        _notify(shopper, text="Delivered.")
    page = client.get("/account/").content.decode()
    assert '<span class="badge badge-new" id="bell-count">2</span>' in page
    assert 'aria-label="Notifications, 2 unread"' in page


def test_anonymous_visitors_have_no_bell_and_no_list(client):
    assert 'id="bell"' not in client.get("/").content.decode()
    response = client.get("/account/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_only_my_notifications_and_marks_one_read(
    client, shopper, other_shopper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(shopper, text="Mine", url="/account/orders/")
        _notify(other_shopper, text="Theirs")
    mine = Notification.objects.get(text="Mine")
    theirs = Notification.objects.get(text="Theirs")
    client.force_login(shopper)
    page = client.get("/account/notifications/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    # Someone else's notification: 404, and it stays unread.
    assert client.post(f"/account/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Opening mine marks it read and goes where it points.
    response = client.post(f"/account/notifications/{mine.pk}/read", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/account/orders/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'id="bell-count"' not in client.get("/account/notifications/").content.decode()
    assert client.get(f"/account/notifications/{mine.pk}/read").status_code == 405


def test_an_offsite_url_is_never_followed(client, shopper):
    sneaky = Notification.objects.create(user=shopper, kind="x", text="x", url="https://evil.example/")
    client.force_login(shopper)
    response = client.post(f"/account/notifications/{sneaky.pk}/read", {"open": "1"})
    assert response["Location"] == "/account/notifications/"


def test_mark_all_read_leaves_other_peoples_alone(client, shopper, other_shopper):
    for user in (shopper, shopper, other_shopper):
        Notification.objects.create(user=user, kind="x", text="x")
    client.force_login(shopper)
    response = client.post("/account/notifications/read", follow=True)
    assert "2 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(user=shopper, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other_shopper, read_at__isnull=True).count() == 1


# --- API --------------------------------------------------------------------------------------


def test_api_lists_my_notifications_paginated_with_the_unread_count(client, shopper, other_shopper):
    for i in range(25):
        Notification.objects.create(user=shopper, kind="order_shipped", text=f"n{i}", url="/x")
    Notification.objects.create(user=other_shopper, kind="x", text="not yours")
    client.force_login(shopper)
    body = client.get("/api/notifications").json()
    assert body["count"] == 25 and body["unread"] == 25 and len(body["results"]) == 24  # Pages: 24 a page
    assert body["results"][0]["text"] == "n24" and body["next"]
    assert set(body["results"][0]) == {"id", "kind", "text", "url", "read_at", "created_at"}
    second = client.get("/api/notifications", {"page": 2}).json()
    assert [n["text"] for n in second["results"]] == ["n0"]
    smaller = client.get("/api/notifications", {"page": 2, "page_size": 20}).json()
    assert [n["text"] for n in smaller["results"]] == [f"n{i}" for i in range(4, -1, -1)]


def test_api_marks_read_by_ids_or_all_and_ignores_other_peoples_ids(client, shopper, other_shopper):
    mine = [Notification.objects.create(user=shopper, kind="x", text="x") for _ in range(3)]
    theirs = Notification.objects.create(user=other_shopper, kind="x", text="x")
    client.force_login(shopper)
    response = client.post("/api/notifications/read", {"ids": [mine[0].pk, theirs.pk]}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post("/api/notifications/read", {"all": True}, content_type="application/json")
    assert response.json() == {"marked": 2, "unread": 0}
    response = client.post("/api/notifications/read", {}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_api_refuses_anonymous_callers(client):
    assert client.get("/api/notifications").status_code in (401, 403)
    assert client.post("/api/notifications/read", {"all": True}, content_type="application/json").status_code in (
        401,
        403,
    )


# --- Orders ring the bell -----------------------------------------------------------------------


def test_the_shop_is_notified_of_a_paid_order(vendor_a, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(user=shopper, vendor=vendor_a)
    note = Notification.objects.get(user=vendor_a.owner)
    order.refresh_from_db()
    assert (
        note.kind == "order_paid"
        and note.text == f"New order {order.number}: {money(order.total, order.currency)} paid."
    )
    assert note.url == f"/shops/dashboard/orders/{order.number}/"
    assert not Notification.objects.filter(user=shopper).exists()


def test_the_shopper_is_notified_when_shipped_and_delivered(
    client, vendor_a, shopper, django_capture_on_commit_callbacks
):
    order = paid_order(user=shopper, vendor=vendor_a)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM123")
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_delivered(order=order, by=vendor_a.owner)
    kinds = list(Notification.objects.filter(user=shopper).order_by("pk").values_list("kind", "text", "url"))
    url = f"/account/orders/{order.number}/"
    assert kinds == [
        ("order_shipped", f"Order {order.number} from Kiln & Co has shipped: tracking number RM123.", url),
        ("order_delivered", f"Order {order.number} from Kiln & Co was delivered.", url),
    ]
    client.force_login(shopper)
    assert 'id="bell-count">2<' in client.get("/").content.decode()
