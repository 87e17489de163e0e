from django.conf import settings
from django.db import models

# Plain text, bounded: what a shopper may write (the services refuse more, the columns hold no more).
TITLE_MAX = 120
TEXT_MAX = 5000
REPLY_MAX = 3000
REASON_MAX = 500


class Review(models.Model):
    """One shopper's rating of one item they bought: one review per order item (a verified purchase).

    Written, edited, hidden and restored only through ``reviews.services``, which keeps the
    aggregates (``ProductRating``, ``ShopRating``, ``Product.rating_avg``/``rating_count``) in step.
    """

    order_item = models.OneToOneField("orders.OrderItem", on_delete=models.CASCADE, related_name="review")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="reviews")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    text = models.TextField(max_length=TEXT_MAX, blank=True)
    # Denormalised from HelpfulVote so "most helpful" sorts without a join.
    helpful_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_reason = models.CharField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["product", "is_hidden", "-created_at"], name="review_product_newest"),
            models.Index(fields=["product", "is_hidden", "-helpful_count"], name="review_product_helpful"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.rating}★ on {self.product_id} by {self.author_id}"


MAX_PHOTOS = 3


class ReviewPhoto(models.Model):
    """A shopper's photo with a review: validated and re-encoded like product photos, thumbnails by a task."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    original = models.ImageField(upload_to="reviews/photos/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # {"200"|"400"|"display": {"webp": name, "jpeg": name}} once the task has run; empty until then.
    renditions = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Photo {self.position + 1} of review {self.review_id}"


class ShopReply(models.Model):
    """The shop's one public answer to a review; editable by the shop."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=REPLY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reply to review {self.review_id}"


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="one_helpful_vote_per_user")]

    def __str__(self):
        return f"Helpful: review {self.review_id} by {self.user_id}"


class ReviewReport(models.Model):
    """A signed-in person's report of a review to staff; open until staff hide or restore the review."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        OFFENSIVE = "offensive", "Offensive or abusive"
        OFF_TOPIC = "off_topic", "Not about the product"
        PERSONAL = "personal", "Contains personal information"
        OTHER = "other", "Something else"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=REASON_MAX, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "reporter"], name="one_report_per_user")]

    def __str__(self):
        return f"Report on review {self.review_id}: {self.reason}"


class ReviewModeration(models.Model):
    """Audit row: who hid or restored a review, when and why."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hidden"
        RESTORE = "restore", "Restored"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderations")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"Review {self.review_id}: {self.action}"


class _Histogram(models.Model):
    """Visible reviews per star. The average is derived, so counts and average can't disagree."""

    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def counts(self) -> dict[int, int]:
        return {star: getattr(self, f"stars_{star}") for star in range(1, 6)}

    @property
    def count(self) -> int:
        return sum(self.counts.values())


class ProductRating(_Histogram):
    """A product's histogram; its average and count are copied to ``catalog.Product`` for search."""

    product = models.OneToOneField("catalog.Product", on_delete=models.CASCADE, related_name="rating_histogram")

    def __str__(self):
        return f"Ratings {self.counts}"


class ShopRating(_Histogram):
    """A shop's histogram over all its products' visible reviews."""

    vendor = models.OneToOneField("vendors.Vendor", on_delete=models.CASCADE, related_name="rating_histogram")

    def __str__(self):
        return f"Ratings {self.counts}"


class ReviewRequest(models.Model):
    """The one review-request email of a delivered order (claimed before sending, so it goes once)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="review_request")
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Review request for order {self.order_id}"
