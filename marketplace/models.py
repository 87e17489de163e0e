from django.conf import settings
from django.db import models


class StripeEvent(models.Model):
    """Every Stripe webhook event we accepted, stored once by its id.

    The unique ``event_id`` makes a replayed delivery a no-op. Shared by the
    payments webhook (checkout) and the Connect webhook (vendors).
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    account = models.CharField(max_length=64, blank=True, help_text="Connected account, for Connect events.")
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        # Events still to process (failing ones among them): few, found without reading every event ever received.
        indexes = [
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="stripe_event_unprocessed"
            )
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Notification(models.Model):
    """Something a person should see next time they look at the site: the bell in the header counts the unread.

    Generic on purpose: apps write ``kind`` (a short code such as ``order_shipped``), the text and where it
    leads; the core knows nothing of orders or shops. Created through ``marketplace.notifications``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site.")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When a digest email included it (once).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_list"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}: {self.text[:40]}"


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a caller sent with a write, and the answer it got (``marketplace.idempotency``).

    The row is inserted, and committed, before the view runs: a second request with the same key
    finds it (unique per caller) and either waits its turn (409 while ``response_status`` is
    empty) or gets the stored answer. Kept 24 hours; the periodic purge deletes older rows.
    """

    # Whose key: "user:<pk>", or "session:<hash of the session key>" for a guest.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    # What was asked: method, operation and body, hashed; the same key with another request is refused.
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while running.")
    response_body = models.TextField(blank=True)
    # When the running request took the key; a claim older than the lease is taken as a crashed request.
    locked_at = models.DateTimeField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_caller")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}] for {self.scope}"
