"""Opening a shop, its review by staff, and the owner's settings."""

import logging
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from marketplace.accounts.models import User
from marketplace.cache_versions import catalogue_changed
from marketplace.emails import email_enqueue, render_email
from vendors.geocoding import town_locate
from vendors.models import Vendor, VendorStatusChange

logger = logging.getLogger(__name__)


class VendorError(Exception):
    """A refusal the person should read: bad input or a move that is not allowed."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.code = code  # the API's error code (vendors/api/views.py maps it to a status)


# Which status moves staff may make, and what each means to the shop.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Vendor.Status.PENDING: {Vendor.Status.APPROVED, Vendor.Status.SUSPENDED},
    Vendor.Status.APPROVED: {Vendor.Status.SUSPENDED},
    Vendor.Status.SUSPENDED: {Vendor.Status.APPROVED},
}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "shop"
    slug, n = base, 2
    while Vendor.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _locate(*, town: str, country: str, latitude: float | None, longitude: float | None) -> tuple[str, float, float]:
    """The town's canonical name and a pin: the vendor's own pin wins over the gazetteer."""
    place = town_locate(town=town, country=country)
    if latitude is not None and longitude is not None:
        return (place.name if place else town.strip()), latitude, longitude
    if place is None:
        raise VendorError(
            f"We couldn't find “{town}” in {country.upper()}. Check the spelling, or place the pin yourself.",
            field="town",
        )
    return place.name, place.latitude, place.longitude


def _check_shipping(shipping_flat: Decimal, free_shipping_over: Decimal | None) -> None:
    if shipping_flat < 0:
        raise VendorError("Shipping can't be negative.", field="shipping_flat")
    if free_shipping_over is not None and free_shipping_over <= 0:
        raise VendorError("Leave “free shipping over” empty, or give an amount above zero.", field="free_shipping_over")


@transaction.atomic
def vendor_register(
    *,
    owner: User,
    name: str,
    town: str,
    country: str,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    shipping_flat: Decimal = Decimal("0.00"),
    free_shipping_over: Decimal | None = None,
    processing_days: int = 3,
    returns_policy: str = "",
) -> Vendor:
    """Open a shop for ``owner``; it waits for staff review (status ``pending``)."""
    if not EmailAddress.objects.filter(user=owner, verified=True).exists():
        raise VendorError("Verify your email address before opening a shop.", code="email_unverified")
    # Serialise per user so two quick submissions can't both pass the one-shop check.
    User.objects.select_for_update().get(pk=owner.pk)
    if Vendor.objects.filter(owner=owner).exists():
        raise VendorError("You already have a shop.", code="shop_exists")
    name = " ".join(name.split())
    if len(name) < 3:
        raise VendorError("A shop name needs at least 3 characters.", field="name")
    if Vendor.objects.filter(name__iexact=name).exists():
        raise VendorError("That shop name is taken.", field="name")
    _check_shipping(shipping_flat, free_shipping_over)
    town_name, lat, lng = _locate(town=town, country=country, latitude=latitude, longitude=longitude)
    try:
        with transaction.atomic():
            vendor = Vendor.objects.create(
                owner=owner,
                name=name,
                slug=_unique_slug(name),
                description=description.strip(),
                town=town_name,
                country=country.upper(),
                latitude=lat,
                longitude=lng,
                shipping_flat=shipping_flat,
                free_shipping_over=free_shipping_over,
                processing_days=processing_days,
                returns_policy=returns_policy.strip(),
            )
    except IntegrityError as exc:  # a concurrent registration took the name
        raise VendorError("That shop name is taken.", field="name") from exc
    _notify_staff_of_new_shop(vendor)
    return vendor


def _notify_staff_of_new_shop(vendor: Vendor) -> None:
    recipients = list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)[:20])
    if recipients:
        subject, text, html = render_email("vendors/email/new_shop", {"vendor": vendor})
        email_enqueue(to=recipients, subject=subject, text=text, html=html)


@transaction.atomic
def vendor_status_change(*, vendor: Vendor, to_status: str, reason: str, by: User) -> Vendor:
    """Move a shop between statuses (staff only), audited and emailed to the owner."""
    if not by.is_staff:
        raise VendorError("Only staff can approve or suspend shops.")
    reason = reason.strip()
    if not reason:
        raise VendorError("Give a reason: the shop owner will read it.", field="reason")
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if to_status not in ALLOWED_TRANSITIONS.get(vendor.status, set()):
        raise VendorError(f"A {vendor.get_status_display().lower()} shop can't be moved to {to_status}.")
    from_status = vendor.status
    vendor.status = to_status
    vendor.save(update_fields=["status", "updated_at"])
    VendorStatusChange.objects.create(
        vendor=vendor, from_status=from_status, to_status=to_status, reason=reason, changed_by=by
    )
    transaction.on_commit(catalogue_changed)
    subject, text, html = render_email(
        "vendors/email/status_changed",
        {"vendor": vendor, "reason": reason, "from_status": from_status},
    )
    email_enqueue(to=[vendor.owner.email], subject=subject, text=text, html=html)
    logger.info("shop %s moved %s -> %s by %s", vendor.pk, from_status, to_status, by.pk)
    return vendor


EDITABLE_FIELDS = {
    "description",
    "town",
    "country",
    "latitude",
    "longitude",
    "shipping_flat",
    "free_shipping_over",
    "processing_days",
    "returns_policy",
    "on_holiday",
}


@transaction.atomic
def vendor_update(*, vendor: Vendor, **changes) -> Vendor:
    """The owner's settings. Name, slug, status and payout fields are not the owner's to change here."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise VendorError(f"These fields can't be changed: {', '.join(sorted(unknown))}.")
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    for field, value in changes.items():
        setattr(vendor, field, value)
    _check_shipping(vendor.shipping_flat, vendor.free_shipping_over)
    if {"town", "country", "latitude", "longitude"} & set(changes):
        moved_pin = "latitude" in changes or "longitude" in changes
        vendor.town, vendor.latitude, vendor.longitude = _locate(
            town=vendor.town,
            country=vendor.country,
            latitude=vendor.latitude if moved_pin else None,
            longitude=vendor.longitude if moved_pin else None,
        )
        vendor.country = vendor.country.upper()
    try:
        vendor.full_clean(exclude=["owner", "logo", "banner"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise VendorError(messages[0], field=field) from exc
    vendor.save()
    transaction.on_commit(catalogue_changed)
    return vendor


# Logo: a square; banner: a wide strip. Both cropped to fit, stored as JPEG under a content-hashed name.
SHOP_IMAGE_SIZES = {"logo": (400, 400), "banner": (1600, 400)}


def vendor_image_set(*, vendor: Vendor, kind: str, uploaded_file) -> Vendor:
    """Replace the shop's logo or banner. Same checks as product photos (content, size, pixels)."""
    import hashlib
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image, ImageOps

    from marketplace.images import ImageRejected, reencode_original, validate_upload

    if kind not in SHOP_IMAGE_SIZES:
        raise VendorError("Unknown shop image.")
    try:
        validate_upload(uploaded_file)
        uploaded_file.seek(0)
        data, _ext, _w, _h = reencode_original(uploaded_file)
    except ImageRejected as exc:
        raise VendorError(str(exc), field=kind) from exc
    with Image.open(io.BytesIO(data)) as image:
        fitted = ImageOps.fit(image.convert("RGB"), SHOP_IMAGE_SIZES[kind], Image.Resampling.LANCZOS)
        out = io.BytesIO()
        fitted.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    payload = out.getvalue()
    name = f"shops/{vendor.pk}/{kind}-{hashlib.sha256(payload).hexdigest()[:16]}.jpg"
    stored = default_storage.save(name, ContentFile(payload))
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        old = getattr(locked, kind).name
        setattr(locked, kind, stored)
        locked.save(update_fields=[kind, "updated_at"])
        if old and old != stored:
            transaction.on_commit(lambda: default_storage.delete(old))
    return locked
