"""A real Celery worker consuming from Redis (not eager mode) runs the email task."""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.core import mail

from marketplace.celery import app
from marketplace.tasks import send_email


@pytest.fixture
def celery_on_redis(redis_url):
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    _reset_connections()
    yield app
    app.conf.update(saved)
    _reset_connections()


def _reset_connections():
    # Forget connection and producer pools made for the previous broker URL
    # (kombu keeps producer pools in a global registry keyed by connection).
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.backend_cls = None
    app.__dict__.pop("backend", None)
    app._local.__dict__.pop("backend", None)


def test_a_worker_sends_an_email_taken_from_redis(celery_on_redis):
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        result = send_email.delay(
            to=["maker@example.com"], subject="Your shop is approved", text="Welcome!", html="<p>Welcome!</p>"
        )
        result.get(timeout=20)
    assert not isinstance(result, EagerResult)  # it really went through the broker
    assert result.status == "SUCCESS"
    assert [m.subject for m in mail.outbox] == ["Your shop is approved"]
    assert mail.outbox[0].alternatives[0] == ("<p>Welcome!</p>", "text/html")
