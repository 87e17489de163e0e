import pytest
from django.core import mail

from marketplace.accounts.models import User
from marketplace.accounts.privacy import ErasureRefused, account_erase
from marketplace.tests.concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_two_erasures_at_once_erase_once_and_email_once(shopper):
    """Two tabs (or a person and staff) at once: the user's row lock lets one through; the other is refused."""

    def erase():
        try:
            account_erase(user=User.objects.get(pk=shopper.pk), keep_reviews=True)
        except ErasureRefused:
            return "refused"
        return "erased"

    outcomes = run_at_once(erase, times=3)
    assert sorted(outcomes) == ["erased", "refused", "refused"], outcomes
    assert [m.to for m in mail.outbox if "deleted" in m.subject] == [["shopper@example.com"]]
