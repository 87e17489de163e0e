"""The shops' contribution to ``marketplace.personal_data``.

A shop is a business record (its orders, ledger and payouts point at it), so erasing its owner never
removes or renames it. An owner whose shop is open (approved or waiting for review) is refused: a shop
left without anyone to answer for it would keep selling. Staff suspend it first; then the owner's own
data goes like anyone else's and the suspended shop stays as the record.
"""

from marketplace.personal_data import timestamp

from .models import Vendor


def _shop(user) -> Vendor | None:
    return Vendor.objects.filter(owner=user).first()


def export(user) -> dict:
    shop = _shop(user)
    if shop is None:
        return {"shop": None}
    return {
        "shop": {
            "id": shop.pk,
            "name": shop.name,
            "slug": shop.slug,
            "status": shop.status,
            "description": shop.description,
            "town": shop.town,
            "country": shop.country,
            "returns_policy": shop.returns_policy,
            "created_at": timestamp(shop.created_at),
        }
    }


def refuse_erasure(user) -> str | None:
    shop = _shop(user)
    if shop is not None and shop.status in (Vendor.Status.APPROVED, Vendor.Status.PENDING):
        return (
            f"You own the shop “{shop.name}”. A shop can't be left without its owner: finish its orders, "
            "then ask the marketplace team to close it. After that you can delete your account."
        )
    return None


def erase(user, *, keep_reviews: bool) -> None:
    """Nothing to remove: a closed shop stays as the record of what it sold (see the module's docstring)."""
