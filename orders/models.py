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
        # Staff roles (marketplace/staff_roles.py): both move money back, so only finance and admin hold them.
        permissions = [("refund_order", "Can refund orders"), ("cancel_order", "Can cancel orders")]
        indexes = [
            models.Index(fields=["vendor", "status", "-created_at"], name="order_shop_inbox"),
            # The staff dashboard's orders paid per day (a period of up to a year out of all orders).
            models.Index(fields=["paid_at"], name="order_paid_at"),
        ]
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


# --- Refunds, the ledger and disputes (wt-money) ---------------------------------------------


class Dispute(models.Model):
    """A shopper's bank disputing a checkout's charge (``charge.dispute.*``), as Stripe last reported it.

    While it is open the checkout's orders show as disputed; a lost dispute takes the disputed amount
    from the shops' orders like a refund (``OrderRefund`` rows with ``dispute`` set), once.
    """

    OPEN = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")

    stripe_dispute_id = models.CharField(max_length=64, unique=True)
    checkout = models.ForeignKey("checkout.Checkout", on_delete=models.PROTECT, related_name="disputes")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=30)
    settled = models.BooleanField(default=False, help_text="A lost dispute's amount was taken from the shops.")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Dispute {self.stripe_dispute_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class OrderRefund(models.Model):
    """Money given back on one shop's order: a Stripe Refund on the checkout's charge, and its ledger entries.

    Written ``pending`` (under the order's row lock) before Stripe is called, so a second click
    sees the money as already on its way; ``succeeded`` once Stripe made the refund. A refund made
    in Stripe's dashboard is attributed to the checkout's orders, one row per order, by=None.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"

    class ReversalStatus(models.TextChoices):
        NONE = "", "Not needed"
        REVERSED = "reversed", "Reversed"
        DEDUCTED = "deducted", "Taken from the transfer before it went out"
        FAILED = "failed", "Reversal failed: owed by the shop"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # [{"item": OrderItem pk, "quantity": n}]: the lines refunded (their unshipped stock went back).
    items = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The person's request (a form's hidden key): a double click sends the same one and gets the same refund.
    request_key = models.CharField(max_length=64)
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    platform_fee_returned = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    reversal_status = models.CharField(max_length=10, choices=ReversalStatus.choices, blank=True)
    transfer_reversal_id = models.CharField(max_length=64, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    # Set when the money went back through a lost dispute rather than a refund.
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="order_parts")
    created_at = models.DateTimeField(auto_now_add=True)
    # Not stored: True on the row ``order_refund`` returns for a request key it had seen already.
    repeated = False

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_refund_positive"),
            models.UniqueConstraint(fields=["order", "request_key"], name="one_refund_per_request"),
            models.UniqueConstraint(
                fields=["order", "stripe_refund_id"],
                condition=~models.Q(stripe_refund_id=""),
                name="one_order_refund_per_stripe_refund",
            ),
        ]

    def __str__(self):
        return f"Refund of {self.amount} on order {self.order_id} ({self.status})"

    @property
    def shop_share(self):
        """The part of the refund that was the shop's net (the rest is the platform fee it returns)."""
        return self.amount - self.platform_fee_returned


class LedgerEntry(models.Model):
    """One append-only line of a shop's or the platform's account. A shop's balance is the sum of its lines.

    For a shop, positive means the platform owes the shop (a sale not yet transferred), negative that
    the shop owes the platform (a refund whose transfer reversal failed: netted against its next
    transfers). The platform's lines are its fees. Never updated or deleted.
    """

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        PLATFORM_FEE = "platform_fee", "Platform fee"
        PROCESSING_FEE = "processing_fee", "Card processing fee"
        REFUND = "refund", "Refund"
        FEE_RETURN = "fee_return", "Platform fee returned"
        TRANSFER = "transfer", "Transfer to the shop"
        TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversed"
        DISPUTE = "dispute", "Dispute lost"

    class Account(models.TextChoices):
        SHOP = "shop", "Shop"
        PLATFORM = "platform", "Platform"

    account = models.CharField(max_length=8, choices=Account.choices)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="ledger_entries")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="ledger_entries")
    refund = models.ForeignKey(OrderRefund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    stripe_id = models.CharField(max_length=64, blank=True, help_text="Charge, refund, transfer or reversal.")
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["account", "vendor", "created_at"], name="ledger_account"),
            # The staff dashboard's money per day: the period's lines read from the index alone (index-only scan).
            models.Index(fields=["created_at"], include=["account", "kind", "amount"], name="ledger_day_totals"),
        ]
        constraints = [
            # Written at payment and again (if missing) before the transfer: once per order and account.
            models.UniqueConstraint(
                fields=["order", "account", "kind"],
                condition=models.Q(kind__in=["sale", "platform_fee", "processing_fee", "transfer"]),
                name="ledger_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["refund", "account", "kind"],
                condition=models.Q(refund__isnull=False),
                name="ledger_once_per_refund",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.vendor_id} {self.kind} {self.amount}"


class ReconciliationIssue(models.Model):
    """A difference between the ledger and Stripe found by the daily reconciliation, for staff to look into.

    One row per day, object and problem: running the day again finds the same difference and writes nothing.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"
        TRANSFER = "transfer", "Transfer"
        TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversal"

    class Problem(models.TextChoices):
        MISSING_IN_LEDGER = "missing_in_ledger", "At Stripe, not in the ledger"
        MISSING_AT_STRIPE = "missing_at_stripe", "In the ledger, not at Stripe"
        AMOUNT_DIFFERS = "amount_differs", "Amounts differ"

    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stripe_id = models.CharField(max_length=64)
    problem = models.CharField(max_length=20, choices=Problem.choices)
    ledger_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    stripe_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Staff looked into it and say what was done (``reconciliation_issue_resolve``); open while empty.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-day", "kind", "stripe_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "stripe_id", "problem"], name="one_issue_per_day_object"),
        ]

    def __str__(self):
        return f"{self.day} {self.kind} {self.stripe_id}: {self.get_problem_display()}"


class ConnectIncident(models.Model):
    """Money news from Stripe Connect after the fact, kept for staff: a transfer reversed (by us, or by someone
    at Stripe, in which case the reversal went into the shop's ledger) or a shop's payout that failed."""

    class Kind(models.TextChoices):
        TRANSFER_REVERSED = "transfer_reversed", "Transfer reversed"
        PAYOUT_FAILED = "payout_failed", "Payout failed"

    stripe_event_id = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stripe_id = models.CharField(max_length=64, help_text="The transfer or payout.")
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="connect_incidents"
    )
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="connect_incidents")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # True when a reversal nobody here made was written into the shop's ledger.
    booked = models.BooleanField(default=False)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.stripe_id}"
