from django.shortcuts import get_object_or_404

from .models import ApiToken, User


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
