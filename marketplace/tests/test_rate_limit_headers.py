"""``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` on throttled routes, from the DRF throttles themselves."""

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    """Set the throttle rates for one test (DRF binds them to the class when it is imported)."""

    def set_rates(**changed):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, **changed})

    return set_rates


def _limits(response) -> tuple[int, int]:
    return int(response["X-RateLimit-Limit"]), int(response["X-RateLimit-Remaining"])


def test_an_anonymous_caller_sees_the_tighter_of_the_address_limits_count_down(client, rates):
    rates(anon="5/min", user="50/min")
    assert [_limits(client.get("/api/categories")) for _ in range(3)] == [(5, 4), (5, 3), (5, 2)]


def test_a_token_caller_sees_the_per_user_limit(client, shopper, rates):
    rates(anon="5/min", user="50/min")
    auth = {"Authorization": f"Token {api_token_create(user=shopper, name='script')[1]}"}
    assert _limits(client.get("/api/orders", headers=auth)) == (50, 49)
    assert _limits(client.get("/api/categories")) == (5, 4)  # anonymous, from the same address: its own count


def test_the_refusal_says_none_remain_and_when_to_retry(client, rates):
    rates(anon="2/min")
    answers = [client.get("/api/products") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert _limits(answers[1]) == (2, 0)
    assert _limits(answers[2]) == (2, 0)
    assert int(answers[2]["Retry-After"]) > 0
    assert answers[2].json()["code"] == "throttled"


def test_a_routes_own_scope_is_announced_when_it_is_nearest(client, shopper, rates):
    from catalog.tests.factories import ProductFactory

    rates(review_writes="3/hour")
    product = ProductFactory()
    auth = {"Authorization": f"Token {api_token_create(user=shopper, name='script')[1]}"}
    # Not a buyer of it, so refused as not eligible: still a write the scope counts.
    answer = client.post(f"/api/products/{product.pk}/reviews", {"rating": 5, "body": "Lovely"},
                         content_type="application/json", headers=auth)  # fmt: skip
    assert answer.status_code in (400, 403)
    assert _limits(answer) == (3, 2)
    assert int(client.get(f"/api/products/{product.pk}/reviews", headers=auth)["X-RateLimit-Limit"]) != 3  # reads


def test_pages_outside_the_api_carry_no_rate_limit_headers(client):
    assert "X-RateLimit-Limit" not in client.get("/")
