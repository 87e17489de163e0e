from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Vendor


def vendor_get_visible(*, slug: str) -> Vendor:
    """A shop a shopper may see, or 404."""
    return get_object_or_404(Vendor.objects.visible(), slug=slug)


def vendor_get_public_by_id(*, vendor_id: int) -> Vendor:
    return get_object_or_404(Vendor.objects.visible(), pk=vendor_id)


def vendor_map_marker(*, vendor: Vendor) -> list[dict]:
    """The shop's pin for the map script: none until the shop has a location."""
    if vendor.latitude is None:
        return []
    label = f"{vendor.name}, {vendor.town}"
    return [{"lat": vendor.latitude, "lng": vendor.longitude, "label": label, "url": vendor.get_absolute_url()}]


def user_has_shop(*, user) -> bool:
    """Whether the user owns a shop, in any status (a pending or suspended shop still has its dashboard)."""
    return user.is_authenticated and Vendor.objects.filter(owner=user).exists()


def vendor_for_user(*, user) -> Vendor:
    """The signed-in user's own shop, or 404 (anonymous users and shoppers have none)."""
    if not user.is_authenticated:
        raise Http404
    vendor = Vendor.objects.filter(owner=user).first()
    if vendor is None:
        raise Http404
    return vendor


def vendor_get_for_owner(*, user, vendor_id: int) -> Vendor:
    """Shop ``vendor_id`` if ``user`` owns it; 404 otherwise, so ids of other shops are not confirmed."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Vendor, pk=vendor_id, owner=user)


def vendor_list_near(*, lat: float, lng: float, limit: int = 6) -> list[Vendor]:
    """The nearest listed shops to a point, each with ``distance_km`` (great-circle)."""
    from django.db.models import F, FloatField
    from django.db.models.functions import ACos, Cos, Least, Radians, Sin

    # Spherical law of cosines: exact enough for "near you" (hundreds of shops, not millions).
    cosine = Cos(Radians(lat)) * Cos(Radians(F("latitude"))) * Cos(Radians(F("longitude")) - Radians(lng)) + Sin(
        Radians(lat)
    ) * Sin(Radians(F("latitude")))
    distance = 6371.0088 * ACos(Least(cosine, 1.0, output_field=FloatField()))
    return list(
        Vendor.objects.visible()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(distance_km=distance)
        .order_by("distance_km", "pk")[:limit]
    )


# --- The staff dashboard's figures (registered in vendors/dashboard.py) ---------------------------


def dashboard_new_shops_per_day(*, start, end) -> dict:
    """Shops opened (registered, whatever their status now) each local day."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    rows = (
        Vendor.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return {r["day"]: r["n"] for r in rows}


def shops_awaiting_approval():
    return Vendor.objects.filter(status=Vendor.Status.PENDING)
