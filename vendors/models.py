from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from marketplace.paths import slug_path
from marketplace.rules import FieldRule

# A shop shoppers may see: approved by staff and able to receive payouts (on holiday it stays
# visible; only buying pauses). The one definition: the queryset, the instance check, the product
# rule (catalog) and the search SQL are all made from it; catalog/tests/test_visibility.py checks them.
VISIBLE_SHOP = FieldRule({"status": "approved", "payouts_enabled": True})


class VendorQuerySet(models.QuerySet):
    def visible(self):
        """Shops a shopper may see (``VISIBLE_SHOP``)."""
        return self.filter(VISIBLE_SHOP.q())


class Vendor(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vendor")
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    town = models.CharField(max_length=120)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    logo = models.ImageField(upload_to="shops/logos/", blank=True)
    banner = models.ImageField(upload_to="shops/banners/", blank=True)
    shipping_flat = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    free_shipping_over = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Orders at or above this subtotal ship free; empty for never.",
    )
    processing_days = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(90)])
    returns_policy = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    on_holiday = models.BooleanField(default=False, help_text="Shop stays visible; buying is paused.")
    stripe_account_id = models.CharField(max_length=64, blank=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    # What Stripe still asks of the shop (currently_due + past_due), so the dashboard can say it without a call.
    payouts_requirements_due = models.JSONField(default=list, blank=True)
    payouts_disabled_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VendorQuerySet.as_manager()

    class Meta:
        # Staff roles (marketplace/staff_roles.py): support approves and suspends shops without editing them.
        permissions = [("review_vendor", "Can approve and suspend shops")]
        indexes = [models.Index(fields=["latitude", "longitude"], name="vendor_lat_lng")]
        constraints = [
            models.CheckConstraint(condition=models.Q(shipping_flat__gte=0), name="vendor_shipping_flat_gte_0"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_path("catalog:storefront", self.slug)

    @property
    def is_visible(self) -> bool:
        return VISIBLE_SHOP.holds(self)


class VendorStatusChange(models.Model):
    """Audit row: who moved a shop between statuses, when and why."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Vendor.Status.choices)
    to_status = models.CharField(max_length=12, choices=Vendor.Status.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.vendor}: {self.from_status} → {self.to_status}"


def vendor_visible_sql(alias: str = "v") -> str:
    """``VISIBLE_SHOP`` as SQL on the shops table under ``alias``, for raw statements."""
    return VISIBLE_SHOP.sql(Vendor, alias)


class SimulatedTransfer(models.Model):
    """SIMULATED Connect's own books (development and tests only): the transfers and reversals it "made",
    so that it can answer list and retrieve calls (the daily reconciliation) as Stripe would."""

    stripe_id = models.CharField(max_length=64, unique=True)
    # Set on a reversal: the transfer it takes money back from.
    transfer_id = models.CharField(max_length=64, blank=True, db_index=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    destination = models.CharField(max_length=64, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"SIMULATED {self.stripe_id} ({self.amount_minor} {self.currency})"
