import secrets

from django.conf import settings
from django.db import models

# Order numbers are read out on the phone and typed from a receipt: no vowels (no accidental
# words), no 0/O, 1/I/L. 27 symbols, 6 of them: 387M numbers, made at random so they say
# nothing about volumes; a clash is retried (unique constraint).
NUMBER_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXZ"


def order_number_new() -> str:
    symbols = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    return f"AM-{symbols[:4]}-{symbols[4:]}"


class Order(models.Model):
    """What one shop sells in one checkout. Money is fixed when the order is placed.

    Its status moves only through ``orders.services`` (the table of allowed transitions),
    each move leaving an ``OrderStatusChange``.
    """

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        PROCESSING = "processing", "Processing"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    number = models.CharField(max_length=12, unique=True, default=order_number_new, editable=False)
    checkout = models.ForeignKey("checkout.Checkout", on_delete=models.PROTECT, related_name="orders")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    platform_fee = models.DecimalField(max_digits=12, decimal_places=2)
    vendor_net = models.DecimalField(max_digits=12, decimal_places=2, help_text="Total minus the platform fee.")
    processing_fee_share = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    transfer_id = models.CharField(max_length=64, blank=True, help_text="Stripe transfer of the shop's money.")
    paid_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the shop was reminded that this paid order is past its processing time (once per order).
    shop_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["vendor", "status", "-created_at"], name="order_shop_inbox")]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "vendor"], name="one_order_per_shop_per_checkout"),
            models.CheckConstraint(
                condition=models.Q(total=models.F("subtotal") + models.F("shipping")), name="order_total_adds_up"
            ),
            models.CheckConstraint(
                condition=models.Q(vendor_net=models.F("total") - models.F("platform_fee")),
                name="order_net_adds_up",
            ),
        ]

    def __str__(self):
        return f"Order {self.number} from {self.vendor.name}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("orders:mine", args=[self.number])

    @property
    def is_open_for_shop(self) -> bool:
        """Paid and not yet shipped: the shop has work to do."""
        return self.status in (self.Status.PAID, self.Status.PROCESSING)


class OrderItem(models.Model):
    """A line as it was sold: title and price are copied, so later edits never change an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="order_items")
    title = models.CharField(max_length=140)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    reserved = models.BooleanField(default=True, help_text="Stock was taken for it (not made to order).")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_item_quantity_gte_1")]

    def __str__(self):
        return f"{self.quantity} × {self.title}"


class OrderStatusChange(models.Model):
    """One move of an order's status: from, to, who (empty for the system), when, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Order.Status.choices)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


# --- Messages about an order (wt-comms) ---------------------------------------------------------


class OrderMessage(models.Model):
    """One message in the thread between an order's buyer and its shop. Written through ``orders.conversation``."""

    BODY_MAX = 2000

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_shop = models.BooleanField(help_text="Written by the shop (else by the buyer).")
    body = models.TextField(max_length=BODY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order_id}: {'shop' if self.from_shop else 'buyer'} {self.body[:40]}"
