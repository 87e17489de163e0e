"""The checkout app's figures on the staff dashboard (see ``marketplace.dashboard``): how payments went."""

from decimal import Decimal

from marketplace.dashboard import ATTENTION, PAYMENTS, Figure, Panel, Result, register

from .selectors import dashboard_payment_outcomes, followups_failed


def _rate(counts: dict) -> Decimal | None:
    return Decimal(counts["succeeded"]) / counts["attempted"] if counts["attempted"] else None


def _payments(period) -> dict:
    per_day, whole = dashboard_payment_outcomes(start=period.start, end=period.end)
    return {
        "payment_success": Result(_rate(whole), {day: _rate(c) for day, c in per_day.items()}),
        "payments_declined": Result(whole["declined"], {day: c["declined"] for day, c in per_day.items()}),
    }


def _outcome_rows(period):
    return {"kind__in": "succeeded,failed", **period.between("created_at")}


def _declined_rows(period):
    return {"kind__exact": "failed", **period.between("created_at")}


register(
    Panel(
        section=PAYMENTS,
        position=10,
        figures=(
            Figure("payment_success", "Payment success rate", "checkout.view_paymentrecord", "checkout.paymentrecord",
                   _outcome_rows, fmt="percent", chart=True,
                   help="Payment intents paid, of those with a success or a decline recorded."),
            Figure("payments_declined", "Declined card attempts", "checkout.view_paymentrecord",
                   "checkout.paymentrecord", _declined_rows, chart=True),
        ),
        compute=_payments,
    )
)  # fmt: skip

register(
    Panel(
        section=ATTENTION,
        position=20,
        figures=(
            Figure("transfers_failed", "Transfers to shops failed", "checkout.view_followup", "checkout.followup",
                   lambda period: {"kind__exact": "transfer", "status__exact": "failed"},
                   help="Gave up after retries; the shop hasn't been paid."),
        ),
        compute=lambda period: {"transfers_failed": Result(followups_failed(transfers=True).count())},
    )
)  # fmt: skip
