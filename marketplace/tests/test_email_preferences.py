"""Email preferences: the optional emails (the notification digest, news) follow the person's choice;
transactional mail (order updates) is always sent. The digest emails each unread notification once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.models import Notification
from marketplace.notifications import DIGEST_AFTER, notifications_digest_send, users_wanting_email
from marketplace.tasks import notifications_digest
from orders.services import order_mark_shipped
from orders.tests.factories import paid_order

pytestmark = pytest.mark.django_db


def _old_notification(user, text, **fields):
    notification = Notification.objects.create(user=user, kind="order_shipped", text=text, url="/account/orders/")
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - DIGEST_AFTER - timedelta(minutes=1), **fields
    )
    return notification


def test_the_page_shows_the_choices_and_saves_them(client, shopper):
    client.force_login(shopper)
    page = client.get("/account/email-preferences/").content.decode()
    assert 'name="email_digest" id="id_email_digest" aria-describedby="id_email_digest-help" checked' in page
    assert 'name="email_news" id="id_email_news" aria-describedby="id_email_news-help">' in page
    assert "always sent" in page
    response = client.post("/account/email-preferences/", {"email_news": "on"}, follow=True)
    assert "Email preferences saved." in response.content.decode()
    shopper.refresh_from_db()
    assert (shopper.email_digest, shopper.email_news) == (False, True)
    assert list(users_wanting_email(kind="news")) == [shopper]
    assert shopper not in users_wanting_email(kind="digest")


def test_the_page_is_for_signed_in_people_only(client):
    response = client.get("/account/email-preferences/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/account/email-preferences/", {"email_news": "on"}).status_code == 302


def test_transactional_mail_is_sent_whatever_the_preferences(shopper, vendor_a, django_capture_on_commit_callbacks):
    shopper.email_digest = shopper.email_news = False
    shopper.save()
    order = paid_order(user=shopper, vendor=vendor_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(order=order, by=vendor_a.owner, carrier="DHL", tracking_number="D1")
    assert [m.to for m in mail.outbox] == [[shopper.email]]


def test_the_digest_goes_once_to_those_who_want_it(shopper, other_shopper, django_capture_on_commit_callbacks):
    other_shopper.email_digest = False
    other_shopper.save()
    first = _old_notification(shopper, "Order AM-2222-22 from Kiln & Co has shipped.")
    _old_notification(shopper, "Already seen", read_at=timezone.now())
    Notification.objects.create(user=shopper, kind="x", text="Too fresh: may still be seen on the site")
    _old_notification(other_shopper, "Opted out")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest_send() == 1
    [digest] = mail.outbox
    assert digest.to == [shopper.email] and digest.subject == "1 unread notification on Artisan Market"
    assert "Order AM-2222-22 from Kiln & Co has shipped." in digest.body
    assert "Already seen" not in digest.body and "Too fresh" not in digest.body
    assert "/account/email-preferences/" in digest.body  # the way to turn it off
    assert "Kiln &amp; Co" in digest.alternatives[0][0]
    first.refresh_from_db()
    assert first.emailed_at is not None and first.read_at is None  # emailed, still unread on the site
    # A second run (or the beat task) finds nothing new to send.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest.apply().get() == 0
    assert mail.outbox == []
