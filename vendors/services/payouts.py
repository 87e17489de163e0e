"""Payouts for a shop through Stripe Connect: onboarding, account status, Express dashboard, Connect webhooks.

Every Stripe call goes through ``vendors.connect``; a ``ConnectError`` from there
becomes a ``PayoutsError`` here, whose text is fit to show the shop owner.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from marketplace.cache_versions import catalogue_changed

from ..connect import SIMULATED_ACCOUNT_PREFIX, ConnectError, connect_gateway
from ..models import Vendor

logger = logging.getLogger(__name__)


class PayoutsError(Exception):
    """Payouts could not be set up or checked; the message is for the shop owner."""


def _account_idempotency_key(vendor: Vendor) -> str:
    return f"vendor-{vendor.pk}-account"


def _stored_account_id(vendor: Vendor) -> str:
    # Read from the database, not the caller's instance: another request may
    # have created the account since that instance was loaded.
    account_id = Vendor.objects.filter(pk=vendor.pk).values_list("stripe_account_id", flat=True).get()
    if not account_id:
        raise PayoutsError("This shop hasn't started setting up payouts yet. Choose “Set up payouts” first.")
    return account_id


def vendor_payouts_account_ensure(*, vendor: Vendor) -> str:
    """The shop's connected account id, creating the account at Stripe if the shop has none.

    At most one account per shop is our guarantee, not Stripe's: the row lock
    makes a second click (or a double submit) wait and then find the id the
    first one stored. The idempotency key only covers the gap where Stripe
    created the account but our commit failed, and only for Stripe's 24 hours.
    The Stripe call is made under the lock on purpose; it is one row, rarely
    contended, and bounded by the client's timeout.
    """
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if locked.stripe_account_id:
            return locked.stripe_account_id
        try:
            account_id = connect_gateway().account_create(
                vendor_ref=f"vendor-{locked.pk}",
                email=vendor.owner.email,
                country=locked.country,
                idempotency_key=_account_idempotency_key(locked),
            )
        except ConnectError as exc:
            raise PayoutsError(str(exc)) from exc
        locked.stripe_account_id = account_id
        locked.save(update_fields=["stripe_account_id", "updated_at"])
    logger.info("Connect account %s created for shop %s", account_id, locked.pk)
    vendor.stripe_account_id = account_id
    return account_id


def vendor_payouts_onboarding_link(*, vendor: Vendor, return_url: str, refresh_url: str) -> str:
    """A fresh onboarding URL for a shop that already has a connected account.

    Account Links are single-use and expire within minutes, so one is made per
    visit and never stored.
    """
    account_id = _stored_account_id(vendor)
    try:
        return connect_gateway().account_link_create(
            account_id=account_id, refresh_url=refresh_url, return_url=return_url
        )
    except ConnectError as exc:
        raise PayoutsError(str(exc)) from exc


def vendor_payouts_start(*, vendor: Vendor, return_url: str, refresh_url: str) -> str:
    """“Set up payouts”: the shop's connected account (made once), then a fresh onboarding URL."""
    vendor_payouts_account_ensure(vendor=vendor)
    return vendor_payouts_onboarding_link(vendor=vendor, return_url=return_url, refresh_url=refresh_url)


def vendor_payouts_sync(*, vendor: Vendor) -> Vendor:
    """Re-read the connected account from Stripe and store its flags; returns the fresh row.

    Stripe is asked inside the row lock so that two syncs of one shop (a webhook
    and the owner's return from onboarding) write in the order they read:
    whichever runs last stores the newest state, whatever order events came in.
    """
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if not locked.stripe_account_id:
            raise PayoutsError("This shop hasn't started setting up payouts yet. Choose “Set up payouts” first.")
        try:
            status = connect_gateway().account_retrieve(account_id=locked.stripe_account_id)
        except ConnectError as exc:
            raise PayoutsError(str(exc)) from exc
        before = (locked.charges_enabled, locked.payouts_enabled)
        locked.charges_enabled = status.charges_enabled
        locked.payouts_enabled = status.payouts_enabled
        requirements = (list(status.requirements_due), status.disabled_reason or "")
        if requirements != (locked.payouts_requirements_due, locked.payouts_disabled_reason):
            locked.payouts_requirements_due, locked.payouts_disabled_reason = requirements
            locked.save(update_fields=["payouts_requirements_due", "payouts_disabled_reason", "updated_at"])
        if (locked.charges_enabled, locked.payouts_enabled) != before:
            # payouts_enabled decides whether the shop is visible at all, so a change is worth a line.
            logger.info(
                "Shop %s payouts account %s: charges %s -> %s, payouts %s -> %s",
                locked.pk,
                locked.stripe_account_id,
                before[0],
                locked.charges_enabled,
                before[1],
                locked.payouts_enabled,
            )
            locked.save(update_fields=["charges_enabled", "payouts_enabled", "updated_at"])
            transaction.on_commit(catalogue_changed)  # payouts_enabled decides whether the shop is listed
    return locked


def vendor_payouts_dashboard_url(*, vendor: Vendor) -> str:
    """A single-use login URL into the shop's Stripe Express dashboard."""
    account_id = _stored_account_id(vendor)
    try:
        return connect_gateway().login_link_create(account_id=account_id)
    except ConnectError as exc:
        raise PayoutsError(str(exc)) from exc


def vendor_payouts_simulate_complete(*, vendor: Vendor) -> Vendor:
    """Development only: mark a simulated connected account as fully onboarded.

    The simulated gateway reads these flags back as the account's state, so the
    usual sync after "returning from Stripe" then finds the account ready.
    """
    if not settings.STRIPE_CONNECT_SIMULATED:
        raise PayoutsError("Simulated onboarding is only available when Stripe Connect is simulated.")
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if not locked.stripe_account_id.startswith(SIMULATED_ACCOUNT_PREFIX):
            raise PayoutsError("This shop has no simulated payouts account. Choose “Set up payouts” first.")
        locked.charges_enabled = True
        locked.payouts_enabled = True
        locked.save(update_fields=["charges_enabled", "payouts_enabled", "updated_at"])
    logger.info("SIMULATED Connect: account %s of shop %s marked ready", locked.stripe_account_id, locked.pk)
    return locked


def connect_event_handle(*, event: dict) -> None:
    """Act on one verified Connect event: ``account.updated`` here, the money events by their handlers in
    ``settings.CONNECT_EVENT_HANDLERS``; others are ignored.

    The payload's account state is not trusted (events arrive late, twice, or out
    of order); it only says which account to re-read from Stripe.
    """
    handler = settings.CONNECT_EVENT_HANDLERS.get(event.get("type"))
    if handler:
        # Money events belong to the apps that keep the books (orders); named in settings, so vendors imports none.
        import_string(handler)(event=event)
        return
    if event.get("type") != "account.updated":
        return
    account_id = event.get("account") or ((event.get("data") or {}).get("object") or {}).get("id") or ""
    vendor = Vendor.objects.filter(stripe_account_id=account_id).first() if account_id else None
    if vendor is None:
        # Another platform environment's account, or a shop deleted since: nothing of ours to update.
        logger.info("Connect event %s for unknown account %r ignored", event.get("id"), account_id)
        return
    vendor_payouts_sync(vendor=vendor)
