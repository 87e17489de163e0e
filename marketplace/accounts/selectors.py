from django.shortcuts import get_object_or_404

from .models import Address, ApiToken, User


def api_token_for_user(*, user: User, token_id: int) -> ApiToken:
    """The user's own token, or 404 (another user's token id is not confirmed)."""
    return get_object_or_404(ApiToken, pk=token_id, user=user)


def dashboard_new_shoppers_per_day(*, start, end) -> dict:
    """People who signed up each local day (staff accounts aside; a maker is a shopper too until their shop opens)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    rows = (
        User.objects.filter(is_staff=False, date_joined__gte=start, date_joined__lt=end)
        .annotate(day=TruncDate("date_joined"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return {r["day"]: r["n"] for r in rows}


def address_for_user(*, user: User, address_id: int) -> Address:
    """The user's own saved address, or 404 (another shopper's address id is not confirmed)."""
    return get_object_or_404(Address, pk=address_id, user=user)


def addresses_for_user(*, user: User):
    """The user's address book, the default first."""
    if not user.is_authenticated:
        return Address.objects.none()
    return Address.objects.filter(user=user).order_by("-is_default", "created_at", "id")
