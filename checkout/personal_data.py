"""The checkout's contribution to ``marketplace.personal_data``: the checkouts (who paid, where it went)
and the cart.

Erasing keeps every checkout and its amounts (the shops' and the platform's records; payments and the
ledger point at them) and replaces the buyer's name, email and street address. The country stays: it is
where the goods went, which the tax records need, and says nothing about who bought them.
"""

from marketplace.accounts.models import FORMER_CUSTOMER
from marketplace.personal_data import timestamp

from .models import Cart, Checkout, FollowUp

ERASED_EMAIL = "former-customer@erased.invalid"
ERASED_LINE = "Address removed at the customer's request"


def export(user) -> dict:
    checkouts = Checkout.objects.filter(user=user).order_by("created_at", "pk")
    cart = Cart.objects.filter(user=user).prefetch_related("items__product").first()
    return {
        "checkouts": [
            {
                "id": c.pk,
                "status": c.status,
                "email": c.email,
                "shipping_address": {
                    "name": c.shipping_name,
                    "line1": c.shipping_line1,
                    "line2": c.shipping_line2,
                    "city": c.shipping_city,
                    "postcode": c.shipping_postcode,
                    "country": c.shipping_country,
                },
                "currency": c.currency,
                "subtotal": f"{c.subtotal:.2f}",
                "shipping": f"{c.shipping:.2f}",
                "total": f"{c.total:.2f}",
                "created_at": timestamp(c.created_at),
                "paid_at": timestamp(c.paid_at),
            }
            for c in checkouts
        ],
        "cart": [
            {"product_id": i.product_id, "title": i.product.title, "quantity": i.quantity}
            for i in (cart.items.all() if cart else [])
        ],
    }


def refuse_erasure(user) -> str | None:
    # A payment can still land on it (3-D Secure in progress): it would become a paid order with no address
    # to ship to. Within 30 minutes it is paid or released (and its intent cancelled) by the periodic job.
    if Checkout.objects.filter(user=user, status=Checkout.Status.AWAITING_PAYMENT).exists():
        return (
            "You have a checkout waiting for payment. Pay for it, or wait until its 30-minute hold ends, "
            "then delete your account."
        )
    return None


def erase(user, *, keep_reviews: bool) -> None:
    checkouts = Checkout.objects.filter(user=user)
    FollowUp.objects.filter(checkout__in=checkouts, kind=FollowUp.Kind.RECEIPT).update(recipient=ERASED_EMAIL)
    checkouts.update(
        email=ERASED_EMAIL,
        shipping_name=FORMER_CUSTOMER,
        shipping_line1=ERASED_LINE,
        shipping_line2="",
        shipping_city="",
        shipping_postcode="",
        fingerprint="",  # a hash of the email and address
    )
    Cart.objects.filter(user=user).delete()
