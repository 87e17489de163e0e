"""Hide and restore reviews from the dashboard by staff role: support and admin may, finance isn't offered it;
each is in the service's moderation audit and in Django's admin log."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from reviews.models import Review
from reviews.services import review_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(shopper, bought):
    return review_create(author=shopper, order_item=bought, rating=1, title="Rude words")


def _changelist():
    return reverse("admin:reviews_review_changelist")


def _offered(client) -> set[str]:
    return set(re.findall(r'<option value="([a-z_]+)"', client.get(_changelist()).content.decode()))


def test_support_hides_then_restores_a_review_each_logged(client, support, review):
    client.force_login(support)
    assert {"hide_reviews", "restore_reviews"} <= _offered(client)

    client.post(_changelist(), {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1",
                                "reason": "Abuse"})  # fmt: skip
    review.refresh_from_db()
    assert review.is_hidden and review.moderations.get().changed_by == support
    client.post(_changelist(), {"action": "restore_reviews", "_selected_action": [review.pk], "apply": "1",
                                "reason": "Appeal upheld"})  # fmt: skip
    review.refresh_from_db()
    assert not review.is_hidden
    messages = LogEntry.objects.filter(object_id=str(review.pk), user=support).order_by("pk")
    assert [e.change_message for e in messages] == [
        "Hide selected reviews: Abuse",
        "Restore selected reviews: Appeal upheld",
    ]


def test_finance_reads_reviews_but_cant_hide_one_even_by_a_forged_post(client, finance, review):
    client.force_login(finance)
    assert client.get(_changelist()).status_code == 200
    assert not {"hide_reviews", "restore_reviews"} & _offered(client)

    client.post(_changelist(), {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1",
                                "reason": "forged", "index": "0"})  # fmt: skip

    assert not Review.objects.get(pk=review.pk).is_hidden
    assert not review.moderations.exists() and not LogEntry.objects.exists()
