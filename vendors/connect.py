"""The one gateway to Stripe Connect: every call about connected accounts and transfers goes through here.

Two implementations share the ``ConnectGateway`` protocol:

* ``StripeConnectGateway`` talks to Stripe through a ``stripe.StripeClient``.
* ``SimulatedConnectGateway`` is for development and tests only
  (``STRIPE_CONNECT_SIMULATED``): localstripe has no Connect, so accounts,
  onboarding links and transfers are faked locally and labelled as such.

Callers get the right one from ``connect_gateway()`` and only ever see plain
values (ids, URLs, ``AccountStatus``) or a ``ConnectError``, never a Stripe object
or a Stripe exception.
"""

import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.urls import reverse

from marketplace.stripe_client import stripe_client

from .models import SimulatedTransfer, Vendor

logger = logging.getLogger(__name__)

SIMULATED_ACCOUNT_PREFIX = "acct_sim_"
SIMULATED_TRANSFER_PREFIX = "tr_sim_"
SIMULATED_REVERSAL_PREFIX = "trr_sim_"


class ConnectError(Exception):
    """A Connect call failed; ``str(error)`` is a sentence fit to show the shop owner.

    ``detail`` keeps Stripe's own wording (and request id) for the logs.
    """

    def __init__(self, message: str, *, detail: str = "", retryable: bool = False):
        super().__init__(message)
        self.detail = detail
        # Network trouble, rate limits and Stripe's own 5xx: worth trying again later.
        self.retryable = retryable


@dataclass(frozen=True)
class AccountStatus:
    """What we need to know about a connected account, as Stripe reports it now."""

    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    # Requirement keys Stripe needs now (currently_due plus past_due), e.g. "external_account".
    requirements_due: list[str] = field(default_factory=list)
    disabled_reason: str = ""


@dataclass(frozen=True)
class TransferReversal:
    id: str
    transfer_id: str
    amount_minor: int
    currency: str
    created: int  # Unix time, as Stripe reports it
    # Ours say which refund made them: {"order_refund": pk, "order": number}.
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Transfer:
    """A transfer to a shop as Stripe reports it now, with its reversals."""

    id: str
    amount_minor: int
    currency: str
    destination: str
    created: int
    reversals: tuple[TransferReversal, ...] = ()


class ConnectGateway(Protocol):
    simulated: bool

    def account_create(self, *, vendor_ref: str, email: str, country: str, idempotency_key: str) -> str:
        """Create an Express connected account; returns its id."""
        ...

    def account_retrieve(self, *, account_id: str) -> AccountStatus: ...

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """A fresh, single-use onboarding URL (Stripe expires it within minutes)."""
        ...

    def login_link_create(self, *, account_id: str) -> str:
        """A single-use URL into the account's Express dashboard."""
        ...

    def transfer_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        source_transaction: str,
        transfer_group: str,
        idempotency_key: str,
    ) -> str:
        """Move ``amount_minor`` from the platform balance to ``destination``; returns the transfer id."""
        ...

    def transfer_reversal_create(
        self, *, transfer_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None
    ) -> str:
        """Take ``amount_minor`` of a transfer back from the shop's Stripe balance; returns the reversal id.

        Raises ``ConnectError`` when Stripe refuses (the shop's balance was already paid out, say).
        """
        ...

    def transfers_list(self, *, created_from: int, created_to: int) -> list[Transfer]:
        """The platform's transfers created in [created_from, created_to) (Unix times), with their reversals."""
        ...

    def transfer_retrieve(self, *, transfer_id: str) -> Transfer:
        """One transfer with its reversals; ``ConnectError`` if Stripe has no such transfer."""
        ...


def _check_transfer_amount(amount_minor: int) -> None:
    # bool is an int in Python; a True amount would be a 1-cent transfer.
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValueError(f"amount_minor must be a positive integer of minor units, not {amount_minor!r}")


class StripeConnectGateway:
    """Connect through the real Stripe API (or anything speaking it)."""

    simulated = False

    def __init__(self, client: stripe.StripeClient):
        self._client = client

    def account_create(self, *, vendor_ref: str, email: str, country: str, idempotency_key: str) -> str:
        # Controller properties are Stripe's current spelling of an Express account
        # (type=express is the legacy one): Stripe collects the requirements and
        # hosts the Express dashboard; the platform pays Stripe's fees and carries
        # losses, as it must with separate charges and transfers.
        params = {
            "country": country.upper(),
            "email": email,
            "controller": {
                "fees": {"payer": "application"},
                "losses": {"payments": "application"},
                "requirement_collection": "stripe",
                "stripe_dashboard": {"type": "express"},
            },
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"vendor_ref": vendor_ref},
        }
        with _stripe_errors("set up your payouts account"):
            account = self._client.v1.accounts.create(params=params, options={"idempotency_key": idempotency_key})
        return account.id

    def account_retrieve(self, *, account_id: str) -> AccountStatus:
        with _stripe_errors("check your payouts account"):
            account = self._client.v1.accounts.retrieve(account_id)
        return _account_status(account.to_dict())

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        params = {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": return_url,
        }
        with _stripe_errors("open Stripe's onboarding"):
            link = self._client.v1.account_links.create(params=params)
        return link.url

    def login_link_create(self, *, account_id: str) -> str:
        with _stripe_errors("open your Stripe Express dashboard"):
            link = self._client.v1.accounts.login_links.create(account_id)
        return link.url

    def transfer_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        source_transaction: str,
        transfer_group: str,
        idempotency_key: str,
    ) -> str:
        _check_transfer_amount(amount_minor)
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination,
            # Ties the transfer to the charge, so it waits for those funds to be
            # available instead of failing on an empty platform balance.
            "source_transaction": source_transaction,
            "transfer_group": transfer_group,
        }
        with _stripe_errors("pay the shop"):
            transfer = self._client.v1.transfers.create(params=params, options={"idempotency_key": idempotency_key})
        return transfer.id

    def transfer_reversal_create(
        self, *, transfer_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None
    ) -> str:
        _check_transfer_amount(amount_minor)
        params: dict = {"amount": amount_minor}
        if metadata:
            params["metadata"] = metadata
        with _stripe_errors("take the refunded amount back from the shop"):
            reversal = self._client.v1.transfers.reversals.create(
                transfer_id, params=params, options={"idempotency_key": idempotency_key}
            )
        return reversal.id

    def transfers_list(self, *, created_from: int, created_to: int) -> list[Transfer]:
        params = {"created": {"gte": created_from, "lt": created_to}, "limit": 100}
        with _stripe_errors("list the transfers"):
            page = self._client.v1.transfers.list(params=params)
            return [self._transfer(t.to_dict()) for t in page.auto_paging_iter()]

    def transfer_retrieve(self, *, transfer_id: str) -> Transfer:
        with _stripe_errors("read a transfer"):
            return self._transfer(self._client.v1.transfers.retrieve(transfer_id).to_dict())

    def _transfer(self, data: dict) -> Transfer:
        """A ``Transfer`` from Stripe's object; its embedded reversals list is only a first page, so page on."""
        listed = data.get("reversals") or {}
        reversals = list(listed.get("data") or [])
        if listed.get("has_more"):
            page = self._client.v1.transfers.reversals.list(data["id"], params={"limit": 100})
            reversals = [r.to_dict() for r in page.auto_paging_iter()]
        return _transfer(data, reversals)


def _transfer(data: dict, reversals: list[dict]) -> Transfer:
    return Transfer(
        id=data["id"],
        amount_minor=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(),
        destination=str(data.get("destination") or ""),
        created=int(data.get("created") or 0),
        reversals=tuple(
            TransferReversal(
                id=r["id"],
                transfer_id=data["id"],
                amount_minor=int(r.get("amount") or 0),
                currency=str(r.get("currency") or "").upper(),
                created=int(r.get("created") or 0),
                metadata={str(k): str(v) for k, v in (r.get("metadata") or {}).items()},
            )
            for r in reversals
        ),
    )


def _account_status(account: dict) -> AccountStatus:
    requirements = account.get("requirements") or {}
    due = set(requirements.get("currently_due") or []) | set(requirements.get("past_due") or [])
    return AccountStatus(
        account_id=account["id"],
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        requirements_due=sorted(due),
        disabled_reason=requirements.get("disabled_reason") or "",
    )


@contextmanager
def _stripe_errors(doing: str):
    """Turn a ``stripe.StripeError`` raised inside into a ``ConnectError`` saying what failed."""
    try:
        yield
    except stripe.StripeError as exc:
        detail = str(exc)
        retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
        if isinstance(exc, stripe.APIConnectionError | stripe.APIError):
            message = f"We couldn't reach Stripe to {doing}. Please try again in a few minutes."
        elif isinstance(exc, stripe.RateLimitError):
            message = f"Stripe is busy and couldn't {doing} just now. Please try again in a minute."
        elif isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
            # Our keys or platform settings are wrong: nothing the shop owner can fix.
            message = f"We couldn't {doing} because of a problem on our side. We've been alerted."
            logger.error("Stripe Connect refused our credentials: %s", detail)
        else:
            # Stripe words refusals for people ("No such account: ..."), so pass them on.
            stripe_says = (exc.user_message or "").strip().rstrip(".") or "the request was refused"
            message = f"Stripe couldn't {doing}: {stripe_says}."
        logger.warning("Stripe Connect call failed (%s): %s", doing, detail)
        raise ConnectError(message, detail=detail, retryable=retryable) from exc


class SimulatedConnectGateway:
    """SIMULATED Connect for development and tests: no money moves, nothing reaches Stripe.

    A simulated account's state lives in its Vendor row: it reports enabled once
    the simulated onboarding page (``vendor_payouts_simulate_complete``) set the
    row's flags.
    """

    simulated = True

    def account_create(self, *, vendor_ref: str, email: str, country: str, idempotency_key: str) -> str:
        account_id = SIMULATED_ACCOUNT_PREFIX + secrets.token_hex(8)
        logger.info("SIMULATED Connect: created account %s for %s", account_id, vendor_ref)
        return account_id

    def account_retrieve(self, *, account_id: str) -> AccountStatus:
        flags = Vendor.objects.filter(stripe_account_id=account_id).values("charges_enabled", "payouts_enabled").first()
        if not account_id.startswith(SIMULATED_ACCOUNT_PREFIX) or flags is None:
            raise ConnectError(
                "This shop's payouts account is not a simulated one. Set up payouts again.",
                detail=f"no simulated account {account_id!r}",
            )
        ready = flags["payouts_enabled"]
        return AccountStatus(
            account_id=account_id,
            charges_enabled=flags["charges_enabled"],
            payouts_enabled=ready,
            details_submitted=ready,
            requirements_due=[] if ready else ["simulated_onboarding"],
        )

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        # The simulated page sends the owner on to our own return/refresh views,
        # so the URLs passed here are not needed (and never echoed into a redirect).
        return f"{reverse('payouts_simulated')}?{urlencode({'account': account_id})}"

    def login_link_create(self, *, account_id: str) -> str:
        return f"{reverse('payouts_simulated')}?{urlencode({'account': account_id, 'view': 'dashboard'})}"

    def transfer_create(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        source_transaction: str,
        transfer_group: str,
        idempotency_key: str,
    ) -> str:
        _check_transfer_amount(amount_minor)
        transfer_id = SIMULATED_TRANSFER_PREFIX + secrets.token_hex(8)
        SimulatedTransfer.objects.create(
            stripe_id=transfer_id, amount_minor=amount_minor, currency=currency.upper(), destination=destination
        )
        logger.info(
            "SIMULATED Connect: transfer %s of %s %s to %s (group %s)",
            transfer_id,
            amount_minor,
            currency.upper(),
            destination,
            transfer_group,
        )
        return transfer_id

    def transfer_reversal_create(
        self, *, transfer_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None
    ) -> str:
        _check_transfer_amount(amount_minor)
        if not transfer_id.startswith(SIMULATED_TRANSFER_PREFIX):
            raise ConnectError(
                "Stripe couldn't take the refunded amount back from the shop: no such transfer.",
                detail=f"no simulated transfer {transfer_id!r}",
            )
        reversal_id = SIMULATED_REVERSAL_PREFIX + secrets.token_hex(8)
        made = SimulatedTransfer.objects.filter(stripe_id=transfer_id).first()
        SimulatedTransfer.objects.create(
            stripe_id=reversal_id,
            transfer_id=transfer_id,
            amount_minor=amount_minor,
            currency=made.currency if made else "",
            metadata=metadata or {},
        )
        logger.info("SIMULATED Connect: reversal %s of %s from transfer %s", reversal_id, amount_minor, transfer_id)
        return reversal_id

    def transfers_list(self, *, created_from: int, created_to: int) -> list[Transfer]:
        made = SimulatedTransfer.objects.filter(
            transfer_id="",
            created_at__gte=datetime.fromtimestamp(created_from, UTC),
            created_at__lt=datetime.fromtimestamp(created_to, UTC),
        )
        return [self._transfer(row) for row in made.order_by("-created_at")]

    def transfer_retrieve(self, *, transfer_id: str) -> Transfer:
        row = SimulatedTransfer.objects.filter(stripe_id=transfer_id, transfer_id="").first()
        if row is None:
            raise ConnectError("Stripe has no such transfer.", detail=f"no simulated transfer {transfer_id!r}")
        return self._transfer(row)

    @staticmethod
    def _transfer(row: SimulatedTransfer) -> Transfer:
        reversals = SimulatedTransfer.objects.filter(transfer_id=row.stripe_id).order_by("created_at")
        return Transfer(
            id=row.stripe_id,
            amount_minor=row.amount_minor,
            currency=row.currency,
            destination=row.destination,
            created=int(row.created_at.timestamp()),
            reversals=tuple(
                TransferReversal(
                    id=r.stripe_id,
                    transfer_id=row.stripe_id,
                    amount_minor=r.amount_minor,
                    currency=r.currency or row.currency,
                    created=int(r.created_at.timestamp()),
                    metadata=r.metadata,
                )
                for r in reversals
            ),
        )


def connect_gateway() -> ConnectGateway:
    """The gateway for the current settings: simulated in development, Stripe otherwise."""
    if settings.STRIPE_CONNECT_SIMULATED:
        return SimulatedConnectGateway()
    # Shorter than the client's default: these calls run while a person waits, some under a row lock.
    return StripeConnectGateway(stripe_client(timeout=10))
