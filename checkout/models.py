from django.conf import settings
from django.db import models


class Cart(models.Model):
    """A shopper's cart: one per signed-in user, or one per browser session for guests."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(session_key__isnull=False),
                name="cart_has_an_owner",
            )
        ]

    def __str__(self):
        return f"Cart of {self.user or 'guest ' + (self.session_key or '')[:8]}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    # The price when added, only to tell the shopper it changed; what they pay is read fresh.
    price_when_added = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"


class Checkout(models.Model):
    """One payment: the whole cart at the moment of placing it, split into one order per shop."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired"
        # Placed again with a changed cart: its hold went back and a newer checkout replaced it.
        CANCELLED = "cancelled", "Replaced by a newer checkout"
        # Paid after its hold had ended and none of it could still be supplied: refunded in full.
        REFUNDED = "refunded", "Paid late, refunded"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkouts"
    )
    email = models.EmailField()
    shipping_name = models.CharField(max_length=150)
    shipping_line1 = models.CharField(max_length=200)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=120)
    shipping_postcode = models.CharField(max_length=20)
    shipping_country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    platform_fee = models.DecimalField(max_digits=12, decimal_places=2)
    processing_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True)
    payment_intent_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    charge_id = models.CharField(max_length=64, blank=True)
    cart = models.ForeignKey(Cart, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What was placed (lines, prices, address): placing the same again returns this checkout.
    fingerprint = models.CharField(max_length=64, blank=True)
    # The card (payment method) of the latest attempt: one "failed" audit row per attempt, however often
    # Stripe's webhook or the shopper's reloads report the same decline.
    payment_attempt = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Staff roles (marketplace/staff_roles.py): an action that isn't a model change.
        permissions = [("resend_receipt", "Can resend receipts")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gt=0), name="checkout_total_positive"),
            # At most one payable checkout per cart: double clicks, Back and two tabs can't hold stock twice.
            models.UniqueConstraint(
                fields=["cart"], condition=models.Q(status="awaiting_payment"), name="one_open_checkout_per_cart"
            ),
        ]

    def __str__(self):
        return f"Checkout {self.pk} ({self.get_status_display()})"

    def holds_money(self) -> bool:
        """Paid, or with any payment row (an intent can still succeed late): a record staff must never delete."""
        return self.status == self.Status.PAID or self.paid_at is not None or self.payment_records.exists()


class PaymentRecord(models.Model):
    """The payment audit log: every intent, charge outcome, transfer and refund, with Stripe's ids.

    Never card data or client secrets. Read-only in the dashboard.
    """

    class Kind(models.TextChoices):
        INTENT = "intent", "Payment intent created"
        SUCCEEDED = "succeeded", "Payment succeeded"
        FAILED = "failed", "Payment failed"
        TRANSFER = "transfer", "Transfer to shop"
        TRANSFER_FAILED = "transfer_failed", "Transfer to shop failed"
        REFUND = "refund", "Refund"
        REFUND_FAILED = "refund_failed", "Refund failed"
        CANCELLED = "cancelled", "Payment intent cancelled"
        # Something staff must look at: a second payment, an amount that doesn't match, a late payment.
        ALERT = "alert", "Needs attention"

    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="payment_records")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stripe_id = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "payments"
        ordering = ["created_at", "id"]
        # The staff dashboard's payment success per day, read from the index alone (index-only scan).
        indexes = [models.Index(fields=["created_at"], include=["kind", "checkout"], name="payments_day_outcomes")]
        constraints = [
            # One row per Stripe refund and one per refund failure, however often and however
            # concurrently Stripe tells us: the last line of defence behind the webhook's checks.
            models.UniqueConstraint(
                fields=["kind", "stripe_id"], condition=models.Q(kind="refund"), name="one_row_per_refund"
            ),
            models.UniqueConstraint(
                fields=["kind", "stripe_id"], condition=models.Q(kind="refund_failed"), name="one_row_per_failed_refund"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.stripe_id}"


class FollowUp(models.Model):
    """Work owed after a payment, written in the payment's own transaction (an outbox).

    One row per shop transfer, per shop's new-order email and for the shopper's
    receipt. A Celery task does the work right after commit; if the broker was down
    or a worker died, ``followups.followups_run_due`` (beat, every minute) finds the
    row still pending once ``next_attempt_at`` has passed and does it. Each row is
    claimed under its row lock before its side effect and marked done after, so a
    retried or duplicated task never repeats it.
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transfer to the shop"
        RECEIPT = "receipt", "Receipt to the shopper"
        SHOP_EMAIL = "shop_email", "New-order email to the shop"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed for good"

    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="followups")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.EmailField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payment_followups"
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="followups_pending_due")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "order"], condition=models.Q(order__isnull=False), name="one_followup_per_order"
            ),
            models.UniqueConstraint(
                fields=["kind", "checkout"], condition=models.Q(order__isnull=True), name="one_followup_per_checkout"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for checkout {self.checkout_id} ({self.get_status_display()})"
