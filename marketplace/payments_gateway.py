"""The one gateway to Stripe for payments: every PaymentIntent, Customer, refund and fee call goes through here.

Like ``vendors/connect.py`` does for Connect: callers get plain values
(``Intent``, ``Refund``, ids, ``Decimal`` fees) or a ``PaymentGatewayError``
whose message is fit to show a shopper, never a Stripe object or exception.
Views, webhooks and services never import ``stripe``.

It lives in the core (no app imported) so that checkout (payments) and orders (refunds) share it.

The same code talks to real Stripe and to localstripe (development and tests):
``marketplace.stripe_client`` picks the address from the settings.
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

import stripe

from marketplace.money import from_minor_units
from marketplace.stripe_client import stripe_client

logger = logging.getLogger(__name__)

UNREACHABLE = "We couldn't reach the payment service. Nothing was charged; try again."
# Intent states Stripe lets us cancel; a cancel in any other state is refused by Stripe.
CANCELLABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"})


# Stripe's smallest charge per settlement currency (its "minimum and maximum charge amounts" table);
# below it Stripe refuses the intent. Currencies not listed fall back to 0.50.
MINIMUM_CHARGE = {
    "USD": Decimal("0.50"), "EUR": Decimal("0.50"), "GBP": Decimal("0.30"), "CAD": Decimal("0.50"),
    "AUD": Decimal("0.50"), "NZD": Decimal("0.50"), "CHF": Decimal("0.50"), "DKK": Decimal("2.50"),
    "NOK": Decimal("3.00"), "SEK": Decimal("3.00"), "PLN": Decimal("2.00"), "CZK": Decimal("15.00"),
    "HKD": Decimal("4.00"), "SGD": Decimal("0.50"), "MXN": Decimal("10.00"), "JPY": Decimal("50"),
}  # fmt: skip


def minimum_charge(currency: str) -> Decimal:
    return MINIMUM_CHARGE.get(currency.upper(), Decimal("0.50"))


class PaymentGatewayError(Exception):
    """A payment call failed; ``str(error)`` is for the shopper, ``detail`` (Stripe's words) for the logs.

    ``retryable`` is True for network trouble, rate limits and Stripe's own 5xx.
    """

    def __init__(self, message: str = UNREACHABLE, *, detail: str = "", retryable: bool = False, not_found=False):
        super().__init__(message)
        self.detail = detail
        self.retryable = retryable
        # Stripe has no such object: asking again will never help (an event about someone else's object).
        self.not_found = not_found


class CardDeclined(PaymentGatewayError):
    """The bank said no; ``str(error)`` is the bank's reason as Stripe words it for shoppers."""


@dataclass(frozen=True)
class PaymentError:
    """Why the intent's last attempt failed, as Stripe reports it in ``last_payment_error``."""

    code: str
    message: str
    # What tells one attempt from another: the failed charge, else the payment method tried.
    attempt: str

    @property
    def authentication_failed(self) -> bool:
        return self.code == "payment_intent_authentication_failure"


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    amount_minor: int
    currency: str
    client_secret: str
    customer: str
    charge_id: str
    checkout_ref: str
    last_error: PaymentError | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class Refund:
    id: str
    amount_minor: int
    currency: str
    status: str  # pending, succeeded, failed, canceled, requires_action
    charge_id: str
    failure_reason: str = ""
    intent_id: str = ""
    created: int = 0
    # Ours say what made them: {"order_refund": pk} (orders) or {"checkout_id": pk} (checkout's own).
    metadata: dict = field(default_factory=dict)

    def amount(self) -> Decimal:
        return from_minor_units(self.amount_minor, self.currency)


@dataclass(frozen=True)
class Charge:
    id: str
    amount_minor: int
    currency: str
    status: str  # succeeded, pending, failed
    created: int

    def amount(self) -> Decimal:
        return from_minor_units(self.amount_minor, self.currency)


@dataclass(frozen=True)
class ChargeDispute:
    """A dispute of a charge as Stripe reports it now (``status``: needs_response, under_review, won, lost, ...)."""

    id: str
    amount_minor: int
    currency: str
    status: str
    reason: str
    charge_id: str
    intent_id: str

    def amount(self) -> Decimal:
        return from_minor_units(self.amount_minor, self.currency)


def _id(value) -> str:
    """An expandable field's id, whether Stripe sent the object or only its id."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _intent(data: dict) -> Intent:
    error = data.get("last_payment_error") or None
    last_error = None
    if error:
        attempt = _id(error.get("charge")) or _id(error.get("payment_method")) or ""
        last_error = PaymentError(
            code=str(error.get("code") or error.get("decline_code") or ""),
            message=str(error.get("message") or "The payment didn't go through."),
            attempt=attempt,
        )
    metadata = dict(data.get("metadata") or {})
    return Intent(
        id=data["id"],
        status=str(data.get("status") or ""),
        # int(): localstripe echoes an updated amount back as a string; Stripe sends an integer.
        amount_minor=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(),
        client_secret=str(data.get("client_secret") or ""),
        customer=_id(data.get("customer")),
        charge_id=_id(data.get("latest_charge")),
        checkout_ref=str(metadata.get("checkout_id") or ""),
        last_error=last_error,
        metadata=metadata,
    )


def _refund(data: dict) -> Refund:
    return Refund(
        id=data["id"],
        amount_minor=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(),
        status=str(data.get("status") or "succeeded"),
        charge_id=_id(data.get("charge")),
        failure_reason=str(data.get("failure_reason") or ""),
        intent_id=_id(data.get("payment_intent")),
        created=int(data.get("created") or 0),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def _raise(exc: stripe.StripeError, what: str):
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
        (getattr(exc, "http_status", None) or 0) >= 500
    )
    not_found = isinstance(exc, stripe.InvalidRequestError) and (
        getattr(exc, "http_status", None) == 404 or getattr(exc, "code", None) == "resource_missing"
    )
    logger.warning("Stripe refused to %s: %s", what, exc)
    raise PaymentGatewayError(UNREACHABLE, detail=str(exc)[:500], retryable=retryable, not_found=not_found) from exc


class PaymentsGateway:
    """Stripe payments through a ``stripe.StripeClient`` (real Stripe, or localstripe in development)."""

    def __init__(self, client: stripe.StripeClient | None = None):
        self._client = client or stripe_client()

    # --- Customers ---------------------------------------------------------------

    def customer_create(self, *, email: str, name: str, metadata: dict | None, idempotency_key: str) -> str:
        params = {"email": email, "name": name}
        if metadata:
            params["metadata"] = metadata
        try:
            return self._client.v1.customers.create(params=params, options={"idempotency_key": idempotency_key}).id
        except stripe.StripeError as exc:
            _raise(exc, "create a customer")

    def customer_delete(self, customer_id: str) -> None:
        """Delete a Customer (its name, email and saved cards); its past payments stay at Stripe. Already
        deleted is done."""
        try:
            self._client.v1.customers.delete(customer_id)
        except stripe.StripeError as exc:
            try:
                _raise(exc, f"delete {customer_id}")
            except PaymentGatewayError as error:
                if not error.not_found:
                    raise

    # --- PaymentIntents -------------------------------------------------------------

    def intent_create(
        self, *, amount_minor: int, currency: str, customer: str, checkout_ref: str, idempotency_key: str
    ) -> Intent:
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"checkout_id": checkout_ref},
            "customer": customer,
        }
        try:
            intent = self._client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            _raise(exc, "create a payment intent")
        return _intent(intent.to_dict())

    def intent_retrieve(self, intent_id: str) -> Intent:
        try:
            return _intent(self._client.v1.payment_intents.retrieve(intent_id).to_dict())
        except stripe.StripeError as exc:
            _raise(exc, f"read {intent_id}")

    def intent_set_amount(self, intent_id: str, *, amount_minor: int) -> Intent:
        try:
            intent = self._client.v1.payment_intents.update(intent_id, params={"amount": amount_minor})
        except stripe.StripeError as exc:
            _raise(exc, f"update {intent_id}")
        return _intent(intent.to_dict())

    def intent_confirm_with_card(self, intent_id: str, *, card_ref: str) -> Intent:
        """Attach the card Stripe.js made (``tok_…`` or ``pm_…``) to the intent's Customer and confirm.

        Attaching is where the bank first checks the card; a refusal at either
        step raises ``CardDeclined``. The card itself never reaches us.
        """
        try:
            customer = self._client.v1.payment_intents.retrieve(intent_id).customer
            if card_ref.startswith("tok_"):
                # A card saved on the Customer (card_…) pays a PaymentIntent like a payment method does.
                method = self._client.v1.customers.payment_sources.create(customer, params={"source": card_ref}).id
            else:
                self._client.v1.payment_methods.attach(card_ref, params={"customer": customer})
                method = card_ref
            self._client.v1.payment_intents.update(intent_id, params={"payment_method": method})
            return _intent(self._client.v1.payment_intents.confirm(intent_id).to_dict())
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or "Your card was declined.", detail=str(exc)[:500]) from exc
        except stripe.StripeError as exc:
            _raise(exc, f"confirm {intent_id}")

    def intent_cancel(self, intent_id: str) -> Intent:
        """Cancel an unpaid intent so no later attempt can succeed. Returns the intent as it now stands.

        An intent that already succeeded (or is processing) can't be cancelled: it
        is returned as it is, and the caller deals with the late payment.
        """
        current = self.intent_retrieve(intent_id)
        if current.status not in CANCELLABLE:
            return current
        try:
            return _intent(self._client.v1.payment_intents.cancel(intent_id).to_dict())
        except stripe.InvalidRequestError:
            # It moved on between the read and the cancel (a payment landed): report what it is now.
            return self.intent_retrieve(intent_id)
        except stripe.StripeError as exc:
            _raise(exc, f"cancel {intent_id}")

    # --- Refunds and fees -----------------------------------------------------------

    def refund_create(
        self, *, intent_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None
    ) -> Refund:
        params = {"payment_intent": intent_id, "amount": amount_minor}
        if metadata:
            params["metadata"] = metadata
        try:
            refund = self._client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            _raise(exc, f"refund {intent_id}")
        return _refund(refund.to_dict())

    def refunds_for_charge(self, charge_id: str) -> list[Refund]:
        """Every refund of a charge, newest first (current API versions don't embed them in the charge)."""
        try:
            page = self._client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
            return [_refund(r.to_dict()) for r in page.auto_paging_iter()]
        except stripe.StripeError as exc:
            _raise(exc, f"list the refunds of {charge_id}")

    def refund_retrieve(self, refund_id: str) -> Refund:
        try:
            return _refund(self._client.v1.refunds.retrieve(refund_id).to_dict())
        except stripe.StripeError as exc:
            _raise(exc, f"read {refund_id}")

    def dispute_retrieve(self, dispute_id: str) -> ChargeDispute:
        try:
            data = self._client.v1.disputes.retrieve(dispute_id).to_dict()
        except stripe.StripeError as exc:
            _raise(exc, f"read {dispute_id}")
        return ChargeDispute(
            id=data["id"],
            amount_minor=int(data.get("amount") or 0),
            currency=str(data.get("currency") or "").upper(),
            status=str(data.get("status") or ""),
            reason=str(data.get("reason") or ""),
            charge_id=_id(data.get("charge")),
            intent_id=_id(data.get("payment_intent")),
        )

    def charge_retrieve(self, charge_id: str) -> Charge:
        try:
            data = self._client.v1.charges.retrieve(charge_id).to_dict()
        except stripe.StripeError as exc:
            _raise(exc, f"read {charge_id}")
        return Charge(
            id=data["id"],
            amount_minor=int(data.get("amount") or 0),
            currency=str(data.get("currency") or "").upper(),
            status=str(data.get("status") or ""),
            created=int(data.get("created") or 0),
        )

    def charge_intent_id(self, charge_id: str) -> str:
        """The PaymentIntent a charge belongs to ("" for a charge made without one)."""
        try:
            return _id(self._client.v1.charges.retrieve(charge_id).to_dict().get("payment_intent"))
        except stripe.StripeError as exc:
            _raise(exc, f"read {charge_id}")

    def charge_fee(self, charge_id: str) -> Decimal | None:
        """Stripe's fee on a charge, from its balance transaction; None while Stripe hasn't settled it."""
        if not charge_id:
            return None
        try:
            charge = self._client.v1.charges.retrieve(charge_id).to_dict()
            txn = charge.get("balance_transaction")
            if isinstance(txn, str) and txn:
                txn = self._client.v1.balance_transactions.retrieve(txn).to_dict()
        except stripe.StripeError as exc:
            logger.warning("No balance transaction for %s yet: %s", charge_id, exc)
            return None
        if not isinstance(txn, dict) or txn.get("fee") is None:
            return None
        return from_minor_units(int(txn["fee"]), str(charge.get("currency") or "usd"))


def payments_gateway() -> PaymentsGateway:
    return PaymentsGateway()
