"""Queued email survives a broker outage: sent inline instead of lost (or crashing the committed request)."""

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from marketplace import tasks
from marketplace.emails import email_enqueue


def _broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db
def test_an_email_queued_while_the_broker_is_down_is_sent_inline(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(tasks.send_email, "delay", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email_enqueue(to=["ana@example.com"], subject="Your shop is approved", text="Welcome", html="<p>Welcome</p>")
    assert [(m.to, m.subject) for m in mail.outbox] == [(["ana@example.com"], "Your shop is approved")]
    assert "broker" in caplog.text.lower()
