"""The core's own figure on the staff dashboard: Stripe webhook events that failed and are still unprocessed."""

from marketplace.models import StripeEvent

from . import ATTENTION, Figure, Panel, Result, register


def failing_webhook_events():
    """Events whose handling raised and that no redelivery has processed since (an error is cleared on success)."""
    return StripeEvent.objects.filter(processed_at__isnull=True).exclude(error="")


register(
    Panel(
        section=ATTENTION,
        position=50,
        figures=(
            Figure("webhooks_failing", "Webhook events failing", "marketplace.view_stripeevent",
                   "marketplace.stripeevent", lambda period: {"processed_at__isnull": "True", "error__gt": ""},
                   help="Stripe events whose handling failed and that no redelivery has processed yet."),
        ),
        compute=lambda period: {"webhooks_failing": Result(failing_webhook_events().count())},
    )
)  # fmt: skip
