"""The Connect gateway: the exact requests StripeConnectGateway sends, and how it reads Stripe's answers.

stripe-python runs for real here down to its HTTP client, which is a stub that
records each request and answers with a recorded Stripe response. The stub and
the response builders are reused by ``test_payouts``.
"""

import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from vendors.connect import (
    AccountStatus,
    ConnectError,
    SimulatedConnectGateway,
    StripeConnectGateway,
    connect_gateway,
)
from vendors.tests.factories import VendorFactory

API_KEY = "sk_test_stub"


@dataclass
class SentRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


class StubStripeHTTP(stripe.HTTPClient):
    """Records what stripe-python sends; answers from responses queued per (method, path).

    The last response queued for a path is reused once the others are used up.
    A request nobody queued an answer for fails the test.
    """

    name = "stub"

    def __init__(self):
        super().__init__()
        self.sent: list[SentRequest] = []
        self._answers: dict[tuple[str, str], list] = {}

    def respond(self, method: str, path: str, body: dict, *, status: int = 200) -> None:
        self._answers.setdefault((method.upper(), path), []).append((status, body))

    def fail_with(self, method: str, path: str, error: Exception) -> None:
        self._answers.setdefault((method.upper(), path), []).append(error)

    def to(self, method: str, path: str) -> list[SentRequest]:
        return [r for r in self.sent if r.method == method.upper() and r.path == path]

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        pairs = parse_qsl(post_data or "", keep_blank_values=True)
        form = dict(pairs)
        assert len(form) == len(pairs), f"a form key was sent twice: {pairs}"
        self.sent.append(
            SentRequest(method.upper(), parts.path, dict(parse_qsl(parts.query)), form, dict(headers or {}))
        )
        queue = self._answers.get((method.upper(), parts.path))
        if not queue:
            raise AssertionError(f"unexpected Stripe request {method.upper()} {parts.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return json.dumps(body), status, {"request-id": "req_stub123", "content-type": "application/json"}

    def close(self):
        pass


def stub_client(http: StubStripeHTTP) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, http_client=http, max_network_retries=0)


# --- Recorded responses (shapes as in Stripe's API reference) -----------------


def account_json(
    account_id: str,
    *,
    enabled: bool,
    currently_due: tuple[str, ...] = (),
    past_due: tuple[str, ...] = (),
    disabled_reason: str | None = None,
    details_submitted: bool | None = None,
) -> dict:
    return {
        "id": account_id,
        "object": "account",
        "business_type": None,
        "capabilities": {
            "card_payments": "active" if enabled else "inactive",
            "transfers": "active" if enabled else "inactive",
        },
        "charges_enabled": enabled,
        "controller": {
            "fees": {"payer": "application"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "type": "application",
        },
        "country": "GB",
        "created": 1732540000,
        "default_currency": "gbp",
        "details_submitted": enabled if details_submitted is None else details_submitted,
        "email": "ana@example.com",
        "metadata": {"vendor_ref": "vendor-1"},
        "payouts_enabled": enabled,
        "requirements": {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": list(currently_due),
            "disabled_reason": disabled_reason,
            "errors": [],
            "eventually_due": list(currently_due),
            "past_due": list(past_due),
            "pending_verification": [],
        },
        "type": "express",
    }


def account_link_json(url: str) -> dict:
    return {"object": "account_link", "created": 1732540100, "expires_at": 1732540400, "url": url}


def login_link_json(url: str) -> dict:
    return {"object": "login_link", "created": 1732540200, "url": url}


def transfer_json(transfer_id: str, *, amount: int, destination: str) -> dict:
    return {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "currency": "usd",
        "destination": destination,
        "livemode": False,
        "metadata": {},
        "reversed": False,
        "source_transaction": "ch_3Qabc",
        "transfer_group": "order-42",
    }


def error_json(message: str, *, type_: str = "invalid_request_error", code: str | None = None) -> dict:
    return {"error": {"type": type_, "code": code, "message": message}}


# --- StripeConnectGateway ------------------------------------------------------


@pytest.fixture
def http():
    return StubStripeHTTP()


@pytest.fixture
def gateway(http):
    return StripeConnectGateway(stub_client(http))


def _platform_call(sent: SentRequest) -> None:
    """Every call here acts on the platform's own account, so none carries Stripe-Account."""
    assert "Stripe-Account" not in sent.headers
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"


def test_account_create_sends_an_express_account_with_our_idempotency_key(gateway, http):
    http.respond("POST", "/v1/accounts", account_json("acct_1Qnew", enabled=False, currently_due=("external_account",)))

    account_id = gateway.account_create(
        vendor_ref="vendor-7", email="ana@example.com", country="gb", idempotency_key="vendor-7-account"
    )

    assert account_id == "acct_1Qnew"
    [sent] = http.sent
    assert (sent.method, sent.path, sent.query) == ("POST", "/v1/accounts", {})
    assert sent.headers["Idempotency-Key"] == "vendor-7-account"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    _platform_call(sent)
    assert sent.form == {
        "country": "GB",
        "email": "ana@example.com",
        "controller[fees][payer]": "application",
        "controller[losses][payments]": "application",
        "controller[requirement_collection]": "stripe",
        "controller[stripe_dashboard][type]": "express",
        "capabilities[card_payments][requested]": "true",
        "capabilities[transfers][requested]": "true",
        "metadata[vendor_ref]": "vendor-7",
    }


def test_account_retrieve_reads_flags_and_what_stripe_still_needs(gateway, http):
    http.respond(
        "GET",
        "/v1/accounts/acct_1Qpart",
        account_json(
            "acct_1Qpart",
            enabled=False,
            currently_due=("individual.verification.document", "external_account"),
            past_due=("external_account", "tos_acceptance.date"),
            disabled_reason="requirements.past_due",
            details_submitted=True,
        ),
    )

    status = gateway.account_retrieve(account_id="acct_1Qpart")

    assert status == AccountStatus(
        account_id="acct_1Qpart",
        charges_enabled=False,
        payouts_enabled=False,
        details_submitted=True,
        requirements_due=["external_account", "individual.verification.document", "tos_acceptance.date"],
        disabled_reason="requirements.past_due",
    )
    [sent] = http.sent
    assert (sent.method, sent.path, sent.query, sent.form) == ("GET", "/v1/accounts/acct_1Qpart", {}, {})
    assert "Idempotency-Key" not in sent.headers
    _platform_call(sent)


def test_account_retrieve_of_an_enabled_account(gateway, http):
    http.respond("GET", "/v1/accounts/acct_1Qdone", account_json("acct_1Qdone", enabled=True))

    status = gateway.account_retrieve(account_id="acct_1Qdone")

    assert (status.charges_enabled, status.payouts_enabled, status.details_submitted) == (True, True, True)
    assert status.requirements_due == []
    assert status.disabled_reason == ""


def test_account_link_create_asks_for_onboarding_and_each_call_is_a_new_request(gateway, http):
    http.respond("POST", "/v1/account_links", account_link_json("https://connect.stripe.com/setup/e/acct_1Q/one"))
    http.respond("POST", "/v1/account_links", account_link_json("https://connect.stripe.com/setup/e/acct_1Q/two"))
    urls = {"refresh_url": "https://shop.test/shops/payouts/refresh/", "return_url": "https://shop.test/r/"}

    first = gateway.account_link_create(account_id="acct_1Q", **urls)
    second = gateway.account_link_create(account_id="acct_1Q", **urls)

    assert first == "https://connect.stripe.com/setup/e/acct_1Q/one"
    assert second == "https://connect.stripe.com/setup/e/acct_1Q/two"
    one, two = http.sent
    for sent in (one, two):
        assert (sent.method, sent.path) == ("POST", "/v1/account_links")
        assert sent.form == {
            "account": "acct_1Q",
            "type": "account_onboarding",
            "refresh_url": "https://shop.test/shops/payouts/refresh/",
            "return_url": "https://shop.test/r/",
        }
        _platform_call(sent)
    # Links are single-use: the second click must not be deduplicated into the first link.
    assert one.headers["Idempotency-Key"] != two.headers["Idempotency-Key"]


def test_login_link_create_posts_to_the_accounts_login_links(gateway, http):
    http.respond(
        "POST",
        "/v1/accounts/acct_1Qdone/login_links",
        login_link_json("https://connect.stripe.com/express/acct_1Qdone/x"),
    )

    url = gateway.login_link_create(account_id="acct_1Qdone")

    assert url == "https://connect.stripe.com/express/acct_1Qdone/x"
    [sent] = http.sent
    assert (sent.method, sent.path, sent.form) == ("POST", "/v1/accounts/acct_1Qdone/login_links", {})
    _platform_call(sent)


def test_transfer_create_sends_amount_in_minor_units_tied_to_the_charge(gateway, http):
    http.respond("POST", "/v1/transfers", transfer_json("tr_1Qxyz", amount=1950, destination="acct_1Qdone"))

    transfer_id = gateway.transfer_create(
        amount_minor=1950,
        currency="USD",
        destination="acct_1Qdone",
        source_transaction="ch_3Qabc",
        transfer_group="order-42",
        idempotency_key="order-42-vendor-7-transfer",
    )

    assert transfer_id == "tr_1Qxyz"
    [sent] = http.sent
    assert (sent.method, sent.path) == ("POST", "/v1/transfers")
    assert sent.form == {
        "amount": "1950",
        "currency": "usd",
        "destination": "acct_1Qdone",
        "source_transaction": "ch_3Qabc",
        "transfer_group": "order-42",
    }
    assert sent.headers["Idempotency-Key"] == "order-42-vendor-7-transfer"
    _platform_call(sent)


@pytest.mark.parametrize("amount", [0, -5, True, 19.5, "1950"])
def test_transfer_create_refuses_a_bad_amount_before_calling_stripe(gateway, http, amount):
    with pytest.raises(ValueError, match="positive integer"):
        gateway.transfer_create(
            amount_minor=amount,
            currency="usd",
            destination="acct_1Q",
            source_transaction="ch_1",
            transfer_group="order-1",
            idempotency_key="k",
        )
    assert http.sent == []


def reversal_json(reversal_id: str, *, transfer_id: str, amount: int) -> dict:
    return {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": "txn_1Qrev",
        "created": 1732540300,
        "currency": "usd",
        "destination_payment_refund": "pyr_1Qrev",
        "metadata": {"order_refund": "7"},
        "source_refund": None,
        "transfer": transfer_id,
    }


def test_transfer_reversal_create_posts_the_amount_to_the_transfers_reversals(gateway, http):
    http.respond(
        "POST", "/v1/transfers/tr_1Qxyz/reversals", reversal_json("trr_1Qrev", transfer_id="tr_1Qxyz", amount=975)
    )

    reversal_id = gateway.transfer_reversal_create(
        transfer_id="tr_1Qxyz",
        amount_minor=975,
        idempotency_key="order-refund-7-reversal",
        metadata={"order_refund": "7"},
    )

    assert reversal_id == "trr_1Qrev"
    [sent] = http.sent
    assert (sent.method, sent.path, sent.query) == ("POST", "/v1/transfers/tr_1Qxyz/reversals", {})
    assert sent.form == {"amount": "975", "metadata[order_refund]": "7"}
    assert sent.headers["Idempotency-Key"] == "order-refund-7-reversal"
    _platform_call(sent)


def test_a_refused_reversal_says_why_and_is_not_retryable(gateway, http):
    body = error_json("Insufficient funds in the destination account.", code="balance_insufficient")
    http.respond("POST", "/v1/transfers/tr_paid_out/reversals", body, status=400)

    with pytest.raises(ConnectError, match="take the refunded amount back") as caught:
        gateway.transfer_reversal_create(transfer_id="tr_paid_out", amount_minor=500, idempotency_key="k")

    assert caught.value.retryable is False
    assert "Insufficient funds" in caught.value.detail


@pytest.mark.parametrize("amount", [0, -1, True])
def test_transfer_reversal_refuses_a_bad_amount_before_calling_stripe(gateway, http, amount):
    with pytest.raises(ValueError, match="positive integer"):
        gateway.transfer_reversal_create(transfer_id="tr_1", amount_minor=amount, idempotency_key="k")
    assert http.sent == []


def test_simulated_reversal_of_a_simulated_transfer(db):
    simulated = SimulatedConnectGateway()
    transfer_id = simulated.transfer_create(
        amount_minor=1000, currency="usd", destination="acct_sim_1", source_transaction="ch_1",
        transfer_group="g", idempotency_key="k",
    )  # fmt: skip
    assert simulated.transfer_reversal_create(
        transfer_id=transfer_id, amount_minor=400, idempotency_key="r"
    ).startswith("trr_sim_")
    with pytest.raises(ConnectError, match="no such transfer"):
        simulated.transfer_reversal_create(transfer_id="tr_1Qreal", amount_minor=400, idempotency_key="r2")


@pytest.mark.parametrize(
    ("status", "body", "says", "retryable"),
    [
        (
            400,
            error_json("No such account: 'acct_gone'", code="resource_missing"),
            "Stripe couldn't open your Stripe Express dashboard: No such account: 'acct_gone'.",
            False,
        ),
        (
            401,
            error_json("Invalid API Key provided: sk_test_****stub"),
            "We couldn't open your Stripe Express dashboard because of a problem on our side.",
            False,
        ),
        (429, error_json("Too many requests", type_="rate_limit_error"), "Stripe is busy", True),
        (500, error_json("An unknown error occurred", type_="api_error"), "We couldn't reach Stripe", True),
    ],
)
def test_stripe_errors_become_connect_errors_people_can_read(gateway, http, status, body, says, retryable):
    http.respond("POST", "/v1/accounts/acct_gone/login_links", body, status=status)

    with pytest.raises(ConnectError) as caught:
        gateway.login_link_create(account_id="acct_gone")

    assert str(caught.value).startswith(says)
    assert caught.value.retryable is retryable
    assert "req_stub123" in caught.value.detail  # Stripe's request id, for the logs
    assert isinstance(caught.value.__cause__, stripe.StripeError)


def test_a_network_failure_becomes_a_retryable_connect_error(gateway, http):
    http.fail_with("GET", "/v1/accounts/acct_1Q", stripe.APIConnectionError("Connection refused"))

    with pytest.raises(ConnectError, match="couldn't reach Stripe to check your payouts account") as caught:
        gateway.account_retrieve(account_id="acct_1Q")

    assert caught.value.retryable is True


def test_connect_gateway_follows_the_setting(settings):
    settings.STRIPE_CONNECT_SIMULATED = True
    assert isinstance(connect_gateway(), SimulatedConnectGateway)
    assert connect_gateway().simulated is True

    settings.STRIPE_CONNECT_SIMULATED = False
    settings.STRIPE_API_BASE = None
    settings.STRIPE_SECRET_KEY = "sk_live_example"
    real = connect_gateway()
    assert isinstance(real, StripeConnectGateway)
    assert real.simulated is False


# --- SimulatedConnectGateway ---------------------------------------------------


@pytest.mark.urls("vendors.tests.payouts_urls")
def test_simulated_gateway_is_labelled_and_never_calls_stripe(db, monkeypatch):
    def no_stripe(*args, **kwargs):
        raise AssertionError("the simulated gateway must not build a Stripe client")

    monkeypatch.setattr("vendors.connect.stripe_client", no_stripe)
    simulated = SimulatedConnectGateway()

    account_id = simulated.account_create(
        vendor_ref="vendor-1", email="a@example.com", country="GB", idempotency_key="k"
    )
    assert account_id.startswith("acct_sim_")
    assert account_id != simulated.account_create(
        vendor_ref="vendor-2", email="b@example.com", country="GB", idempotency_key="k2"
    )
    link = simulated.account_link_create(account_id=account_id, refresh_url="https://x/", return_url="https://y/")
    assert link == f"/shops/payouts/simulated/?account={account_id}"
    assert simulated.login_link_create(account_id=account_id).startswith("/shops/payouts/simulated/?account=")
    transfer_id = simulated.transfer_create(
        amount_minor=500,
        currency="usd",
        destination=account_id,
        source_transaction="ch_sim",
        transfer_group="order-1",
        idempotency_key="k",
    )
    assert transfer_id.startswith("tr_sim_")


def test_simulated_account_reports_what_its_vendor_row_says(db):
    vendor = VendorFactory(stripe_account_id="acct_sim_0001", charges_enabled=False, payouts_enabled=False)
    simulated = SimulatedConnectGateway()

    waiting = simulated.account_retrieve(account_id="acct_sim_0001")
    assert (waiting.payouts_enabled, waiting.details_submitted, waiting.requirements_due) == (
        False,
        False,
        ["simulated_onboarding"],
    )

    vendor.charges_enabled = vendor.payouts_enabled = True
    vendor.save()
    ready = simulated.account_retrieve(account_id="acct_sim_0001")
    assert (ready.charges_enabled, ready.payouts_enabled, ready.requirements_due) == (True, True, [])


def test_simulated_gateway_knows_no_real_accounts(db):
    VendorFactory(stripe_account_id="acct_1Qreal")
    with pytest.raises(ConnectError, match="not a simulated one"):
        SimulatedConnectGateway().account_retrieve(account_id="acct_1Qreal")


# --- Reading transfers back (the daily reconciliation) -------------------------------------


def _list(data: list[dict], url: str, *, has_more: bool = False) -> dict:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _transfer_with(transfer_id: str, reversals: list[dict], *, has_more: bool = False, created: int = 1732540000):
    url = f"/v1/transfers/{transfer_id}/reversals"
    return {**transfer_json(transfer_id, amount=2000, destination="acct_1Qshop"), "created": created,
            "reversals": _list(reversals, url, has_more=has_more)}  # fmt: skip


def test_transfers_list_asks_for_the_days_transfers_with_their_reversals(gateway, http):
    reversal = reversal_json("trr_1Qrev", transfer_id="tr_1Qa", amount=975)
    http.respond(
        "GET",
        "/v1/transfers",
        _list([_transfer_with("tr_1Qa", [reversal]), _transfer_with("tr_1Qb", [])], "/v1/transfers"),
    )

    transfers = gateway.transfers_list(created_from=1732492800, created_to=1732579200)

    [sent] = http.sent
    assert (sent.method, sent.path, sent.form) == ("GET", "/v1/transfers", {})
    assert sent.query == {"created[gte]": "1732492800", "created[lt]": "1732579200", "limit": "100"}
    _platform_call(sent)
    assert [(t.id, t.amount_minor, t.currency, t.destination, t.created) for t in transfers] == [
        ("tr_1Qa", 2000, "USD", "acct_1Qshop", 1732540000),
        ("tr_1Qb", 2000, "USD", "acct_1Qshop", 1732540000),
    ]
    [back] = transfers[0].reversals
    assert (back.id, back.transfer_id, back.amount_minor, back.created, back.metadata) == (
        "trr_1Qrev", "tr_1Qa", 975, 1732540300, {"order_refund": "7"},
    )  # fmt: skip


def test_transfer_retrieve_pages_through_reversals_stripe_did_not_embed(gateway, http):
    first = reversal_json("trr_1", transfer_id="tr_1Qa", amount=100)
    second = reversal_json("trr_2", transfer_id="tr_1Qa", amount=200)
    http.respond("GET", "/v1/transfers/tr_1Qa", _transfer_with("tr_1Qa", [first], has_more=True))
    http.respond("GET", "/v1/transfers/tr_1Qa/reversals", _list([first, second], "/v1/transfers/tr_1Qa/reversals"))

    transfer = gateway.transfer_retrieve(transfer_id="tr_1Qa")

    assert [r.id for r in transfer.reversals] == ["trr_1", "trr_2"]
    assert http.to("GET", "/v1/transfers/tr_1Qa/reversals")[0].query == {"limit": "100"}


def test_transfer_retrieve_of_an_unknown_transfer_is_a_connect_error(gateway, http):
    http.respond("GET", "/v1/transfers/tr_nope", error_json("No such transfer: 'tr_nope'"), status=404)

    with pytest.raises(ConnectError, match="No such transfer") as caught:
        gateway.transfer_retrieve(transfer_id="tr_nope")
    assert caught.value.retryable is False


def test_simulated_gateway_answers_from_its_own_books(db):
    simulated = SimulatedConnectGateway()
    transfer_id = simulated.transfer_create(
        amount_minor=1000, currency="usd", destination="acct_sim_1", source_transaction="ch_1",
        transfer_group="g", idempotency_key="k",
    )  # fmt: skip
    reversal_id = simulated.transfer_reversal_create(
        transfer_id=transfer_id, amount_minor=250, idempotency_key="r", metadata={"order_refund": "3"}
    )
    now = int(time.time())

    [listed] = simulated.transfers_list(created_from=now - 60, created_to=now + 60)

    assert (listed.id, listed.amount_minor, listed.currency, listed.destination) == (
        transfer_id, 1000, "USD", "acct_sim_1",
    )  # fmt: skip
    assert [(r.id, r.amount_minor, r.metadata) for r in listed.reversals] == [(reversal_id, 250, {"order_refund": "3"})]
    assert simulated.transfer_retrieve(transfer_id=transfer_id) == listed
    assert simulated.transfers_list(created_from=now - 7200, created_to=now - 3600) == []
    with pytest.raises(ConnectError):
        simulated.transfer_retrieve(transfer_id="tr_sim_unknown")
