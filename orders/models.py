from django.db import models


class Order(models.Model):
    """What one shop sells in one checkout. Money is fixed when the order is placed."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired"

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
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
        return f"Order {self.pk} from {self.vendor.name}"


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
