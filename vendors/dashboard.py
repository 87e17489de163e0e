"""The vendors app's figures on the staff dashboard (``marketplace.dashboard``): new shops, the approval queue."""

from marketplace.dashboard import ATTENTION, PEOPLE, Figure, Panel, Result, per_day_total, register

from .selectors import dashboard_new_shops_per_day, shops_awaiting_approval


def _new_shops(period) -> dict:
    per_day = dashboard_new_shops_per_day(start=period.start, end=period.end)
    return {"new_shops": Result(per_day_total(per_day), per_day)}


register(
    Panel(
        section=PEOPLE,
        position=20,
        figures=(
            Figure("new_shops", "New shops", "vendors.view_vendor", "vendors.vendor",
                   lambda period: period.between("created_at"), chart=True),
        ),
        compute=_new_shops,
    )
)  # fmt: skip

register(
    Panel(
        section=ATTENTION,
        position=30,
        figures=(
            Figure("shops_pending", "Shops awaiting approval", "vendors.view_vendor", "vendors.vendor",
                   lambda period: {"status__exact": "pending"}),
        ),
        compute=lambda period: {"shops_pending": Result(shops_awaiting_approval().count())},
    )
)  # fmt: skip
