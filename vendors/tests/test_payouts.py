"""Payouts: onboarding with Stripe Connect, status sync, Express dashboard, the Connect webhook, simulated mode.

Against "real" Stripe, stripe-python talks to the recording stub of
``test_connect_gateway``; in simulated mode nothing leaves the process.
"""

import hashlib
import hmac
import json
import time

import pytest
import stripe
from django.contrib.messages import get_messages

from marketplace.models import StripeEvent
from vendors.models import Vendor
from vendors.services.payouts import (
    PayoutsError,
    connect_event_handle,
    vendor_payouts_simulate_complete,
    vendor_payouts_start,
    vendor_payouts_sync,
)
from vendors.tests.factories import VendorFactory
from vendors.tests.test_connect_gateway import (
    StubStripeHTTP,
    account_json,
    account_link_json,
    error_json,
    login_link_json,
    stub_client,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("vendors.tests.payouts_urls")]

SITE_URL = "https://shop.test"
WEBHOOK_SECRET = "whsec_test_connect"
START, RETURN, REFRESH, DASHBOARD = (f"/shops/payouts/{step}/" for step in ("start", "return", "refresh", "dashboard"))
SIMULATED = "/shops/payouts/simulated/"
WEBHOOK = "/api/payments/connect-webhook"
ONBOARDING = "https://connect.stripe.com/setup/e/acct_1Qnew/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def stripe_http(settings, monkeypatch) -> StubStripeHTTP:
    """Real Connect (not simulated), with stripe-python's HTTP client replaced by the recording stub."""
    settings.STRIPE_CONNECT_SIMULATED = False
    http = StubStripeHTTP()
    monkeypatch.setattr("vendors.connect.stripe_client", lambda **kwargs: stub_client(http))
    return http


@pytest.fixture
def new_shop(db):
    """A shop under review that has never started payouts."""
    return VendorFactory(
        name="Fresh Clay",
        slug="fresh-clay",
        status=Vendor.Status.PENDING,
        stripe_account_id="",
        charges_enabled=False,
        payouts_enabled=False,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _fresh(vendor: Vendor) -> Vendor:
    return Vendor.objects.get(pk=vendor.pk)


# --- Set up payouts --------------------------------------------------------------


def test_set_up_payouts_creates_the_account_once_and_sends_the_owner_to_a_fresh_link(client, new_shop, stripe_http):
    stripe_http.respond("POST", "/v1/accounts", account_json("acct_1Qnew", enabled=False, currently_due=("email",)))
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "first"))
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "second"))
    client.force_login(new_shop.owner)

    first = client.post(START)
    second = client.post(START)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == ONBOARDING + "first"
    assert second["Location"] == ONBOARDING + "second"
    [created] = stripe_http.to("POST", "/v1/accounts")
    assert created.headers["Idempotency-Key"] == f"vendor-{new_shop.pk}-account"
    assert created.form["metadata[vendor_ref]"] == f"vendor-{new_shop.pk}"
    assert created.form["email"] == new_shop.owner.email
    assert created.form["country"] == "GB"
    assert _fresh(new_shop).stripe_account_id == "acct_1Qnew"
    links = stripe_http.to("POST", "/v1/account_links")
    assert [link.form for link in links] == [
        {
            "account": "acct_1Qnew",
            "type": "account_onboarding",
            "refresh_url": f"{SITE_URL}/shops/payouts/refresh/",
            "return_url": f"{SITE_URL}/shops/payouts/return/",
        }
    ] * 2


def test_a_shop_with_an_account_never_gets_a_second_one(vendor_a, stripe_http):
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "again"))

    url = vendor_payouts_start(vendor=vendor_a, return_url=f"{SITE_URL}/r/", refresh_url=f"{SITE_URL}/f/")

    assert url == ONBOARDING + "again"
    assert stripe_http.to("POST", "/v1/accounts") == []
    assert stripe_http.to("POST", "/v1/account_links")[0].form["account"] == vendor_a.stripe_account_id


def test_a_stale_copy_of_the_shop_still_finds_the_stored_account(new_shop, stripe_http):
    stale = _fresh(new_shop)
    Vendor.objects.filter(pk=new_shop.pk).update(stripe_account_id="acct_1Qearlier")  # another request won the race
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "x"))

    vendor_payouts_start(vendor=stale, return_url=f"{SITE_URL}/r/", refresh_url=f"{SITE_URL}/f/")

    assert stripe_http.to("POST", "/v1/accounts") == []
    assert stripe_http.to("POST", "/v1/account_links")[0].form["account"] == "acct_1Qearlier"


def test_when_stripe_refuses_the_account_the_owner_is_told_and_nothing_is_stored(client, new_shop, stripe_http):
    stripe_http.respond("POST", "/v1/accounts", error_json("Connected accounts in XX are not supported."), status=400)
    client.force_login(new_shop.owner)

    response = client.post(START)

    assert response.status_code == 302
    assert response["Location"] == "/shops/dashboard/"
    assert _messages(response) == [
        "Stripe couldn't set up your payouts account: Connected accounts in XX are not supported."
    ]
    assert _fresh(new_shop).stripe_account_id == ""
    assert stripe_http.to("POST", "/v1/account_links") == []


# --- Back from onboarding, expired links, Express dashboard -------------------------


def test_returning_from_onboarding_rereads_the_account_and_records_its_flags(client, new_shop, stripe_http):
    Vendor.objects.filter(pk=new_shop.pk).update(stripe_account_id="acct_1Qnew")
    stripe_http.respond("GET", "/v1/accounts/acct_1Qnew", account_json("acct_1Qnew", enabled=True))
    client.force_login(new_shop.owner)

    response = client.get(RETURN)

    assert response.status_code == 302
    assert response["Location"] == "/shops/dashboard/"
    shop = _fresh(new_shop)
    assert (shop.charges_enabled, shop.payouts_enabled) == (True, True)
    assert _messages(response) == ["Payouts are set up: Stripe will pay your sales into your bank account."]
    assert len(stripe_http.to("GET", "/v1/accounts/acct_1Qnew")) == 1


def test_returning_before_finishing_leaves_payouts_off_and_says_so(client, new_shop, stripe_http):
    Vendor.objects.filter(pk=new_shop.pk).update(stripe_account_id="acct_1Qnew")
    stripe_http.respond(
        "GET",
        "/v1/accounts/acct_1Qnew",
        account_json("acct_1Qnew", enabled=False, currently_due=("external_account",)),
    )
    client.force_login(new_shop.owner)

    response = client.get(RETURN)

    assert _fresh(new_shop).payouts_enabled is False
    assert "Stripe hasn't finished checking your details yet" in _messages(response)[0]


def test_sync_turns_payouts_off_when_stripe_disables_the_account(vendor_a, stripe_http):
    account_id = vendor_a.stripe_account_id
    stripe_http.respond(
        "GET",
        f"/v1/accounts/{account_id}",
        account_json(
            account_id, enabled=False, past_due=("external_account",), disabled_reason="requirements.past_due"
        ),
    )

    shop = vendor_payouts_sync(vendor=vendor_a)

    assert (shop.charges_enabled, shop.payouts_enabled) == (False, False)
    assert not Vendor.objects.visible().filter(pk=vendor_a.pk).exists()
    # What Stripe still needs is kept, so the dashboard can tell the owner without calling Stripe.
    shop.refresh_from_db()
    assert shop.payouts_requirements_due == ["external_account"]
    assert shop.payouts_disabled_reason == "requirements.past_due"


def test_returning_without_an_account_is_a_message_not_an_error(client, new_shop, stripe_http):
    client.force_login(new_shop.owner)

    response = client.get(RETURN)

    assert response.status_code == 302
    assert "hasn't started setting up payouts" in _messages(response)[0]
    assert stripe_http.sent == []


def test_an_expired_link_is_replaced_by_a_new_one(client, vendor_a, stripe_http):
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "renewed"))
    client.force_login(vendor_a.owner)

    response = client.get(REFRESH)

    assert response.status_code == 302
    assert response["Location"] == ONBOARDING + "renewed"
    [link] = stripe_http.sent
    assert link.path == "/v1/account_links"
    assert link.form["account"] == vendor_a.stripe_account_id


def test_refresh_never_creates_an_account(client, new_shop, stripe_http):
    client.force_login(new_shop.owner)

    response = client.get(REFRESH)

    assert response["Location"] == "/shops/dashboard/"
    assert stripe_http.sent == []
    assert _fresh(new_shop).stripe_account_id == ""


def test_payouts_dashboard_opens_an_express_login_link(client, vendor_a, stripe_http):
    account_id = vendor_a.stripe_account_id
    express = f"https://connect.stripe.com/express/{account_id}/Lk9"
    stripe_http.respond("POST", f"/v1/accounts/{account_id}/login_links", login_link_json(express))
    client.force_login(vendor_a.owner)

    response = client.post(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == express
    [sent] = stripe_http.sent
    assert (sent.method, sent.path, sent.form) == ("POST", f"/v1/accounts/{account_id}/login_links", {})


def test_payouts_dashboard_refused_by_stripe_is_a_message(client, vendor_a, stripe_http):
    account_id = vendor_a.stripe_account_id
    stripe_http.respond(
        "POST",
        f"/v1/accounts/{account_id}/login_links",
        error_json("Cannot create a login link for an account that has not completed onboarding."),
        status=400,
    )
    client.force_login(vendor_a.owner)

    response = client.post(DASHBOARD)

    assert response["Location"] == "/shops/dashboard/"
    assert "has not completed onboarding" in _messages(response)[0]


# --- Who may do what ---------------------------------------------------------------


def test_a_user_without_a_shop_cannot_start_payouts_for_anyone(client, other_shopper, vendor_a, stripe_http):
    client.force_login(other_shopper)

    for response in (client.post(START), client.get(RETURN), client.get(REFRESH), client.post(DASHBOARD)):
        assert response.status_code == 404
    assert stripe_http.sent == []


def test_an_owner_only_ever_reaches_their_own_shop(client, vendor_a, vendor_b, stripe_http):
    stripe_http.respond("POST", "/v1/account_links", account_link_json(ONBOARDING + "b"))
    client.force_login(vendor_b.owner)

    client.post(START)

    assert stripe_http.to("POST", "/v1/account_links")[0].form["account"] == vendor_b.stripe_account_id


@pytest.mark.parametrize(("method", "url"), [("post", START), ("get", RETURN), ("get", REFRESH), ("post", DASHBOARD)])
def test_anonymous_visitors_are_sent_to_log_in(client, stripe_http, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert stripe_http.sent == []


@pytest.mark.parametrize(("method", "url"), [("get", START), ("post", RETURN), ("post", REFRESH), ("get", DASHBOARD)])
def test_wrong_method_is_405(client, vendor_a, stripe_http, method, url):
    client.force_login(vendor_a.owner)

    assert getattr(client, method)(url).status_code == 405
    assert stripe_http.sent == []


# --- Connect webhook -----------------------------------------------------------------


def _signature(payload: bytes, secret: str = WEBHOOK_SECRET, *, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _account_updated(account_id: str, *, event_id: str = "evt_1Qupd", payouts_enabled: bool = True) -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "account": account_id,
        "api_version": "2025-10-29.clover",
        "created": int(time.time()) - 5,
        "data": {
            "object": account_json(account_id, enabled=payouts_enabled),
            "previous_attributes": {"payouts_enabled": not payouts_enabled},
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "account.updated",
    }
    return json.dumps(event).encode()


def _deliver(client, payload: bytes, signature: str | None = None):
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature or _signature(payload)},
    )


def test_account_updated_rereads_the_account_instead_of_trusting_the_payload(client, new_shop, stripe_http):
    Vendor.objects.filter(pk=new_shop.pk).update(stripe_account_id="acct_1Qnew")
    # An older event saying "enabled" arrives after Stripe has disabled payouts again: Stripe's answer wins.
    stripe_http.respond(
        "GET", "/v1/accounts/acct_1Qnew", account_json("acct_1Qnew", enabled=False, currently_due=("external_account",))
    )
    Vendor.objects.filter(pk=new_shop.pk).update(payouts_enabled=True, charges_enabled=True)

    response = _deliver(client, _account_updated("acct_1Qnew", payouts_enabled=True))

    assert response.status_code == 200
    assert response.json() == {"received": True, "replay": False}
    shop = _fresh(new_shop)
    assert (shop.charges_enabled, shop.payouts_enabled) == (False, False)
    event = StripeEvent.objects.get(event_id="evt_1Qupd")
    assert (event.type, event.account, event.error) == ("account.updated", "acct_1Qnew", "")
    assert event.processed_at is not None


def test_a_bad_signature_is_400_and_changes_nothing(client, vendor_a, stripe_http):
    payload = _account_updated(vendor_a.stripe_account_id)

    response = _deliver(client, payload, _signature(payload, "whsec_someone_else"))

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert stripe_http.sent == []


def test_a_tampered_body_is_400(client, vendor_a, stripe_http):
    payload = _account_updated(vendor_a.stripe_account_id)
    signature = _signature(payload)

    response = _deliver(client, payload.replace(b"evt_1Qupd", b"evt_1Qforged"), signature)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_stale_delivery_is_400_even_when_correctly_signed(client, vendor_a, stripe_http):
    payload = _account_updated(vendor_a.stripe_account_id)

    response = _deliver(client, payload, _signature(payload, at=int(time.time()) - 301))

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert stripe_http.sent == []


def test_replays_are_acknowledged_and_do_nothing(client, vendor_a, stripe_http):
    account_id = vendor_a.stripe_account_id
    stripe_http.respond("GET", f"/v1/accounts/{account_id}", account_json(account_id, enabled=True))
    payload = _account_updated(account_id)

    first = _deliver(client, payload)
    replays = [_deliver(client, payload) for _ in range(5)]

    assert first.json()["replay"] is False
    assert [(r.status_code, r.json()["replay"]) for r in replays] == [(200, True)] * 5
    assert StripeEvent.objects.filter(event_id="evt_1Qupd").count() == 1
    assert len(stripe_http.to("GET", f"/v1/accounts/{account_id}")) == 1


def test_an_event_for_an_unknown_account_is_recorded_and_ignored(client, vendor_a, stripe_http):
    response = _deliver(client, _account_updated("acct_1Qnotours"))

    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_1Qupd").processed_at is not None
    assert stripe_http.sent == []
    assert _fresh(vendor_a).payouts_enabled is True


def test_other_connect_events_are_recorded_and_ignored(client, vendor_a, stripe_http):
    payload = json.dumps(
        {"id": "evt_1Qpay", "type": "payout.paid", "account": vendor_a.stripe_account_id, "data": {"object": {}}}
    ).encode()

    response = _deliver(client, payload)

    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_1Qpay").processed_at is not None
    assert stripe_http.sent == []


def test_when_stripe_is_unreachable_the_event_is_kept_for_stripe_to_redeliver(client, vendor_a, stripe_http):
    account_id = vendor_a.stripe_account_id
    # First Stripe is unreachable, then it answers.
    stripe_http.fail_with("GET", f"/v1/accounts/{account_id}", stripe.APIConnectionError("Connection refused"))
    stripe_http.respond("GET", f"/v1/accounts/{account_id}", account_json(account_id, enabled=False))
    payload = _account_updated(account_id, payouts_enabled=False)

    failed = _deliver(client, payload)

    assert failed.status_code == 503
    event = StripeEvent.objects.get(event_id="evt_1Qupd")
    assert event.processed_at is None
    assert "couldn't reach Stripe" in event.error

    # Stripe delivers again later: handled this time, not skipped as a replay.
    redelivered = _deliver(client, payload)

    assert (redelivered.status_code, redelivered.json()["replay"]) == (200, False)
    event.refresh_from_db()
    assert (event.processed_at is not None, event.error) == (True, "")
    assert _fresh(vendor_a).payouts_enabled is False


def test_the_connect_endpoint_secret_is_used_when_configured(client, settings, vendor_a, stripe_http):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_connect_only"
    account_id = vendor_a.stripe_account_id
    stripe_http.respond("GET", f"/v1/accounts/{account_id}", account_json(account_id, enabled=True))
    payload = _account_updated(account_id)

    assert _deliver(client, payload, _signature(payload, WEBHOOK_SECRET)).status_code == 400
    assert _deliver(client, payload, _signature(payload, "whsec_connect_only")).status_code == 200


def test_the_webhook_only_accepts_post(client):
    assert client.get(WEBHOOK).status_code == 405


def test_connect_event_handle_ignores_an_event_without_an_account(stripe_http):
    connect_event_handle(event={"id": "evt_x", "type": "account.updated", "data": {"object": {}}})
    assert stripe_http.sent == []


# --- Simulated Connect (development: localstripe has no Connect) ---------------------


@pytest.fixture
def simulated(settings, monkeypatch):
    settings.STRIPE_CONNECT_SIMULATED = True

    def no_stripe(**kwargs):
        raise AssertionError("simulated Connect must not build a Stripe client")

    monkeypatch.setattr("vendors.connect.stripe_client", no_stripe)


def test_simulated_onboarding_end_to_end(client, new_shop, simulated):
    client.force_login(new_shop.owner)

    started = client.post(START)
    account_id = _fresh(new_shop).stripe_account_id
    assert account_id.startswith("acct_sim_")
    assert started["Location"] == f"{SIMULATED}?account={account_id}"

    page = client.get(started["Location"])
    assert page.status_code == 200
    assert "Simulated Stripe onboarding — development only" in page.content.decode()
    assert _fresh(new_shop).payouts_enabled is False

    # Leaving before finishing: still off.
    assert "hasn't finished" in _messages(client.get(RETURN))[0]
    assert _fresh(new_shop).payouts_enabled is False

    completed = client.post(SIMULATED, {"account": account_id})
    assert completed["Location"] == RETURN
    returned = client.get(completed["Location"])
    # (The earlier message is still queued: nothing has displayed it, as no dashboard page was rendered.)
    assert _messages(returned)[-1] == "Payouts are set up: Stripe will pay your sales into your bank account."
    shop = _fresh(new_shop)
    assert (shop.charges_enabled, shop.payouts_enabled, shop.stripe_account_id) == (True, True, account_id)

    # A second click reuses the simulated account; the dashboard button opens the simulated dashboard.
    assert client.post(START)["Location"] == f"{SIMULATED}?account={account_id}"
    dashboard = client.post(DASHBOARD)
    assert dashboard["Location"] == f"{SIMULATED}?account={account_id}&view=dashboard"
    assert "Simulated Stripe Express dashboard — development only" in client.get(dashboard["Location"]).content.decode()


def test_simulated_refresh_gives_a_new_simulated_link(client, new_shop, simulated):
    client.force_login(new_shop.owner)
    client.post(START)

    response = client.get(REFRESH)

    assert response["Location"] == f"{SIMULATED}?account={_fresh(new_shop).stripe_account_id}"


def test_the_simulated_page_is_404_unless_connect_is_simulated(client, settings, vendor_a):
    settings.STRIPE_CONNECT_SIMULATED = False
    Vendor.objects.filter(pk=vendor_a.pk).update(stripe_account_id="acct_sim_00aa")
    client.force_login(vendor_a.owner)

    assert client.get(f"{SIMULATED}?account=acct_sim_00aa").status_code == 404
    assert client.post(SIMULATED, {"account": "acct_sim_00aa"}).status_code == 404


def test_the_simulated_page_refuses_another_shops_account(client, vendor_a, vendor_b, simulated):
    Vendor.objects.filter(pk=vendor_a.pk).update(stripe_account_id="acct_sim_00aa", payouts_enabled=False)
    client.force_login(vendor_b.owner)

    assert client.get(f"{SIMULATED}?account=acct_sim_00aa").status_code == 404
    assert client.post(SIMULATED, {"account": "acct_sim_00aa"}).status_code == 404
    assert _fresh(vendor_a).payouts_enabled is False


def test_the_simulated_page_needs_a_login_and_get_or_post(client, vendor_a, simulated):
    assert client.get(f"{SIMULATED}?account=acct_sim_00aa")["Location"].startswith("/accounts/login/")
    client.force_login(vendor_a.owner)
    assert client.put(SIMULATED).status_code == 405


def test_simulated_completion_is_refused_when_connect_is_real(settings, vendor_a):
    settings.STRIPE_CONNECT_SIMULATED = False
    with pytest.raises(PayoutsError, match="only available when Stripe Connect is simulated"):
        vendor_payouts_simulate_complete(vendor=vendor_a)


def test_simulated_completion_needs_a_simulated_account(vendor_a, simulated):
    with pytest.raises(PayoutsError, match="no simulated payouts account"):
        vendor_payouts_simulate_complete(vendor=vendor_a)
