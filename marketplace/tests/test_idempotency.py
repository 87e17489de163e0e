"""``Idempotency-Key`` on the money-bearing API writes: a retry answers what the first answered, never twice.

Tests compare whole bodies, count rows and read ids, so they hold whatever the fields are called.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from checkout.models import Checkout
from marketplace.accounts.services import api_token_create
from marketplace.idempotency import (
    LEASE,
    Claim,
    idempotency_key_claim,
    idempotency_key_finish,
    idempotency_keys_purge,
)
from marketplace.models import IdempotencyKey
from marketplace.tests.concurrency import run_at_once

ADDRESS = {"email": "s@example.com", "name": "Sasha", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA",
           "country": "GB"}  # fmt: skip


def _token(user) -> str:
    return api_token_create(user=user, name="script")[1]


class Api:
    """A script calling the API with its token, as an integrator would."""

    def __init__(self, key: str):
        self.client = Client(raise_request_exception=False)
        self.auth = {"Authorization": f"Token {key}"}

    def post(self, path: str, body: dict, idempotency_key: str | None = None):
        headers = dict(self.auth)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.post(path, body, content_type="application/json", headers=headers)

    def add(self, product, quantity: int = 1):
        added = self.post("/api/cart/items", {"product_id": product.pk, "quantity": quantity})
        assert added.status_code == 201, added.content
        return added


@pytest.fixture
def mug(vendor_a):
    return ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=5)


@pytest.fixture
def api(db, shopper):
    return Api(_token(shopper))


def _stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock_quantity


# --- The double POST ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retried_order_is_placed_once_and_answered_the_same(api, mug):
    api.add(mug, 2)
    key = str(uuid.uuid4())
    first = api.post("/api/orders", ADDRESS, key)
    again = api.post("/api/orders", ADDRESS, key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Checkout.objects.count() == 1
    assert _stock(mug) == 3  # reserved once


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api, mug):
    api.add(mug, 2)
    key = str(uuid.uuid4())
    first = api.post("/api/orders", ADDRESS, key)
    other = api.post("/api/orders", {**ADDRESS, "line1": "2 Low St"}, key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    # Without the refusal, a changed address would have released and replaced the checkout.
    assert list(Checkout.objects.values_list("pk", "status")) == [(first.json()["id"], "awaiting_payment")]
    assert _stock(mug) == 3


@pytest.mark.django_db
def test_the_same_key_on_another_operation_is_refused(api, mug):
    key = str(uuid.uuid4())
    api.add(mug)
    assert api.post("/api/cart/items", {"product_id": mug.pk}, key).status_code == 201
    assert api.post("/api/orders", ADDRESS, key).json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_a_retried_cart_add_adds_once(api, mug):
    key = str(uuid.uuid4())
    first = api.post("/api/cart/items", {"product_id": mug.pk, "quantity": 2}, key)
    again = api.post("/api/cart/items", {"product_id": mug.pk, "quantity": 2}, key)
    assert again.content == first.content
    assert api.client.get("/api/cart", headers=api.auth).json()["items"] == 2
    third = api.post("/api/cart/items", {"product_id": mug.pk, "quantity": 2}, str(uuid.uuid4()))
    assert third.status_code == 201 and "Idempotent-Replayed" not in third
    assert api.client.get("/api/cart", headers=api.auth).json()["items"] == 4


@pytest.mark.django_db
def test_a_retried_payment_intent_is_the_same_answer(api, mug, localstripe):
    api.add(mug)
    checkout_id = api.post("/api/orders", ADDRESS).json()["id"]
    key = str(uuid.uuid4())
    first = api.post("/api/payments/create-intent", {"checkout_id": checkout_id}, key)
    again = api.post("/api/payments/create-intent", {"checkout_id": checkout_id}, key)
    assert first.status_code == 200 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_without_a_key_writes_behave_as_before(api, mug):
    api.post("/api/cart/items", {"product_id": mug.pk})
    api.post("/api/cart/items", {"product_id": mug.pk})
    assert api.client.get("/api/cart", headers=api.auth).json()["items"] == 2
    assert not IdempotencyKey.objects.exists()


# --- Who owns a key ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_users_key_is_theirs_alone(api, other_shopper, mug):
    other = Api(_token(other_shopper))
    key = str(uuid.uuid4())
    api.add(mug)
    other.add(mug, 2)
    mine = api.post("/api/orders", ADDRESS, key)
    theirs = other.post("/api/orders", ADDRESS, key)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert Checkout.objects.count() == 2
    assert _stock(mug) == 2


@pytest.mark.django_db
def test_guests_keys_are_per_session(mug):
    key = str(uuid.uuid4())
    one, two = Client(), Client()
    answers = []
    for guest in (one, two):
        guest.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json")
        answers.append(
            guest.post("/api/orders", ADDRESS, content_type="application/json", headers={"Idempotency-Key": key})
        )
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] != answers[1].json()["id"]
    replay = one.post("/api/orders", ADDRESS, content_type="application/json", headers={"Idempotency-Key": key})
    assert replay["Idempotent-Replayed"] == "true" and replay.content == answers[0].content


@pytest.mark.django_db
def test_a_guests_first_write_gets_a_session_so_a_retry_replays(mug):
    guest = Client()
    key = str(uuid.uuid4())
    first = guest.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json",
                       headers={"Idempotency-Key": key})  # fmt: skip
    assert "sessionid" in first.cookies
    again = guest.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json",
                       headers={"Idempotency-Key": key})  # fmt: skip
    assert again["Idempotent-Replayed"] == "true"
    assert guest.get("/api/cart").json()["items"] == 1


# --- Bad keys, failures, time -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["short", "x" * 256, "has space-1234", "naïve-key-1234", ""])
def test_a_malformed_key_is_a_400_naming_the_header(api, mug, key):
    api.add(mug)
    answer = api.post("/api/orders", ADDRESS, key)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and "Idempotency-Key" in answer.json()["errors"]
    assert not Checkout.objects.exists()


@pytest.mark.django_db
def test_a_5xx_is_not_kept_so_the_retry_runs(api, mug, monkeypatch):
    import checkout.placement

    real = checkout.placement.checkout_place

    def broken(**kwargs):
        raise RuntimeError("database went away")

    api.add(mug)
    key = str(uuid.uuid4())
    monkeypatch.setattr(checkout.placement, "checkout_place", broken)
    assert api.post("/api/orders", ADDRESS, key).status_code == 500
    assert not IdempotencyKey.objects.exists()
    monkeypatch.setattr(checkout.placement, "checkout_place", real)
    retry = api.post("/api/orders", ADDRESS, key)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Checkout.objects.count() == 1


@pytest.mark.django_db
def test_a_5xx_answer_returned_by_a_view_lets_the_key_go(db):
    now = timezone.now()
    claim = idempotency_key_claim(scope="user:1", key="k" * 8, request_hash="h", method="POST", path="/p", now=now)
    idempotency_key_finish(claim=claim, response_status=503, body='{"code":"server_error"}')
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_invalid_fields_are_not_kept_so_a_corrected_retry_goes_through(api, mug):
    api.add(mug)
    key = str(uuid.uuid4())
    assert api.post("/api/orders", {**ADDRESS, "country": "Britain"}, key).status_code == 400
    assert api.post("/api/orders", ADDRESS, key).status_code == 201


@pytest.mark.django_db
def test_a_key_expires_after_24_hours(api, mug):
    api.add(mug)
    key = str(uuid.uuid4())
    first = api.post("/api/orders", ADDRESS, key)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    other = api.post("/api/orders", {**ADDRESS, "line1": "2 Low St"}, key)  # a new request, not a 409
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_the_periodic_purge_deletes_only_expired_keys(db):
    now = timezone.now()
    for key, age in (("old-key-0001", timedelta(hours=25)), ("new-key-0001", timedelta(hours=23))):
        claim = idempotency_key_claim(scope="user:1", key=key, request_hash="h", method="POST", path="/p",
                                      now=now - age)  # fmt: skip
        idempotency_key_finish(claim=claim, response_status=201, body="{}")
    assert idempotency_keys_purge(now=now) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-key-0001"]


@pytest.mark.django_db
def test_the_purge_is_on_the_beat_schedule_and_runs_as_the_scheduler_runs_it(settings):
    from marketplace.periodic import celery_task_runner

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("idempotency_keys_purge")]
    assert len(entries) == 1
    old = idempotency_key_claim(scope="user:1", key="old-key-0001", request_hash="h", method="POST", path="/p",
                                now=timezone.now() - timedelta(hours=25))  # fmt: skip
    idempotency_key_finish(claim=old, response_status=201, body="{}")
    assert celery_task_runner()(entries[0]["task"], (), {}) == 1
    assert not IdempotencyKey.objects.exists()


# --- At the same time ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_whose_first_request_still_runs_is_in_use(api, mug, shopper):
    api.add(mug)
    key = str(uuid.uuid4())
    first = api.post("/api/orders", ADDRESS, key)
    # Make the stored row look unanswered, as it is while its request runs.
    IdempotencyKey.objects.update(response_status=None, locked_at=timezone.now())
    busy = api.post("/api/orders", ADDRESS, key)
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_key_in_use"
    # A claim older than the lease is a request that died: the key is taken over and the request runs.
    IdempotencyKey.objects.update(locked_at=timezone.now() - LEASE - timedelta(seconds=1))
    taken_over = api.post("/api/orders", ADDRESS, key)
    assert taken_over.status_code == 201 and taken_over.json()["id"] == first.json()["id"]  # placing is idempotent
    assert Checkout.objects.count() == 1


@pytest.mark.django_db
def test_a_late_finish_does_not_overwrite_the_request_that_took_over(db):
    now = timezone.now()
    first = idempotency_key_claim(scope="user:1", key="k" * 8, request_hash="h", method="POST", path="/p",
                                  now=now - LEASE - timedelta(seconds=1))  # fmt: skip
    second = idempotency_key_claim(scope="user:1", key="k" * 8, request_hash="h", method="POST", path="/p", now=now)
    assert isinstance(second, Claim)
    idempotency_key_finish(claim=second, response_status=201, body='{"second":true}')
    idempotency_key_finish(claim=first, response_status=201, body='{"first":true}')
    assert IdempotencyKey.objects.get().response_body == '{"second":true}'


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_place_one_order(shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=5)
    token = _token(shopper)
    Api(token).add(mug, 2)
    key = str(uuid.uuid4())

    def place():
        return Api(token).post("/api/orders", ADDRESS, key)

    answers = run_at_once(place, times=2)
    assert not [a for a in answers if isinstance(a, Exception)], answers
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([201, 201], [201, 409]), [a.content for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "idempotency_key_in_use"
    placed = [a for a in answers if a.status_code == 201]
    assert len({a.content for a in placed}) == 1  # a replay, if any, is the first answer
    assert sum("Idempotent-Replayed" not in a for a in placed) == 1  # exactly one ran
    assert Checkout.objects.count() == 1
    assert _stock(mug) == 3


# --- The schema -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_the_header_on_the_money_writes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/orders", "/api/v1/payments/create-intent", "/api/v1/cart/items"):
        operation = schema["paths"][path]["post"]
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], path
        assert headers[0]["schema"]["maxLength"] == 255 and not headers[0].get("required")
        assert "idempotency_key_reused" in operation["responses"]["409"]["description"]
        assert "400" in operation["responses"]
    assert "409" not in schema["paths"]["/api/v1/orders"]["get"]["responses"]
    assert "parameters" not in schema["paths"]["/api/v1/orders"]["get"] or all(
        p["name"] != "Idempotency-Key" for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_request_is_inside_the_view_is_told_to_wait(shopper, vendor_a, monkeypatch):
    import threading

    import checkout.placement

    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=5)
    token = _token(shopper)
    Api(token).add(mug)
    key = str(uuid.uuid4())
    inside, let_go = threading.Event(), threading.Event()
    real = checkout.placement.checkout_place

    def slow(**kwargs):
        inside.set()
        let_go.wait(timeout=20)
        return real(**kwargs)

    monkeypatch.setattr(checkout.placement, "checkout_place", slow)
    first = []
    worker = threading.Thread(target=lambda: first.append(Api(token).post("/api/orders", ADDRESS, key)))
    worker.start()
    try:
        assert inside.wait(timeout=20)
        busy = Api(token).post("/api/orders", ADDRESS, key)
        assert busy.status_code == 409 and busy.json()["code"] == "idempotency_key_in_use"
    finally:
        let_go.set()
        worker.join(timeout=30)
    assert first[0].status_code == 201
    replay = Api(token).post("/api/orders", ADDRESS, key)  # the answer was kept before it was sent
    assert replay["Idempotent-Replayed"] == "true" and replay.content == first[0].content
    assert Checkout.objects.count() == 1
    assert _stock(mug) == 4
