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

    def __str__(self):
        return f"{self.type} {self.event_id}"
