"""Disputes of a checkout's charge: recorded as Stripe reports them, the shops and staff told, a lost one paid
back by the shops like a refund.

**The rule for a lost dispute.** The disputed amount is split over the checkout's shop orders pro rata by
what is left to refund of each (largest remainder) and settled like a refund of that amount
(``orders.refunds``): the platform returns its fee pro rata, the shop's part is reversed from its
transfer (or owed, if Stripe refuses). Stripe's dispute fee is the platform's: shops never pay it.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.emails import email_enqueue, render_email
from marketplace.money import from_minor_units

from .models import Dispute, Order
from .refunds import refund_split_over_orders

logger = logging.getLogger(__name__)
CLOSED = ("won", "lost", "warning_closed", "prevented")


def dispute_sync(
    *, checkout_id: int, dispute_id: str, amount_minor: int, currency: str, status: str, reason: str
) -> Dispute:
    """Record the dispute as Stripe reports it now; tell the shops and staff when it opens and closes;
    take a lost one from the shops, once. Safe to call for every event, in any order, any number of times."""
    with transaction.atomic():
        Dispute.objects.bulk_create(
            [Dispute(stripe_dispute_id=dispute_id, checkout_id=checkout_id, amount=from_minor_units(amount_minor,
                     currency), currency=currency.upper(), reason=reason[:60], status="new")],
            ignore_conflicts=True,
        )  # fmt: skip
        dispute = Dispute.objects.select_for_update().get(stripe_dispute_id=dispute_id)
        was = dispute.status
        if was == status:
            return dispute
        dispute.status = status
        dispute.amount = from_minor_units(amount_minor, currency)
        dispute.reason = reason[:60]
        if status in CLOSED and dispute.closed_at is None:
            dispute.closed_at = timezone.now()
        dispute.save(update_fields=["status", "amount", "reason", "closed_at"])
        if status == "lost" and not dispute.settled:
            refund_split_over_orders(
                checkout_id=checkout_id, amount=dispute.amount, stripe_id=dispute_id,
                reason=f"dispute lost ({dispute.reason or 'no reason given'})", dispute=dispute,
            )  # fmt: skip
            dispute.settled = True
            dispute.save(update_fields=["settled"])
            logger.warning("Dispute %s lost: %s taken from the shops of checkout %s", dispute_id, dispute.amount,
                           checkout_id)  # fmt: skip
        if was == "new" or (status in CLOSED and was not in CLOSED):
            _tell(dispute)
    return dispute


def _tell(dispute: Dispute) -> None:
    """Email each shop of the checkout (about its own order only) and the staff, after commit."""
    orders = list(Order.objects.filter(checkout_id=dispute.checkout_id).select_related("vendor__owner"))
    for order in orders:
        subject, text, html = render_email("orders/email/dispute", {"dispute": dispute, "order": order, "shop": True})
        email_enqueue(to=[order.vendor.owner.email], subject=subject, text=text, html=html)
    staff = list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    if staff:
        context = {"dispute": dispute, "orders": orders, "shop": False, "site_url": settings.SITE_URL}
        subject, text, html = render_email("orders/email/dispute", context)
        email_enqueue(to=staff, subject=subject, text=text, html=html)
