"""Sign-ups on the staff dashboard (see ``marketplace.dashboard``)."""

from marketplace.dashboard import PEOPLE, Figure, Panel, Result, per_day_total, register

from .selectors import dashboard_new_shoppers_per_day


def _new_shoppers(period) -> dict:
    per_day = dashboard_new_shoppers_per_day(start=period.start, end=period.end)
    return {"new_shoppers": Result(per_day_total(per_day), per_day)}


register(
    Panel(
        section=PEOPLE,
        position=10,
        figures=(
            Figure("new_shoppers", "New shoppers", "accounts.view_user", "accounts.user",
                   lambda period: {"is_staff__exact": "0", **period.between("date_joined")}, chart=True,
                   help="Accounts opened, staff aside."),
        ),
        compute=_new_shoppers,
    )
)  # fmt: skip
