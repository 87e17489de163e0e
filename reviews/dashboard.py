"""The reviews app's figure on the staff dashboard (see ``marketplace.dashboard``): the moderation queue."""

from marketplace.dashboard import ATTENTION, Figure, Panel, Result, register

from .selectors import reviews_awaiting_moderation

register(
    Panel(
        section=ATTENTION,
        position=40,
        figures=(
            Figure("reviews_reported", "Reviews awaiting moderation", "reviews.view_review", "reviews.review",
                   lambda period: {"reports": "open"}, help="Reviews with a report not yet dealt with."),
        ),
        compute=lambda period: {"reviews_reported": Result(reviews_awaiting_moderation().count())},
    )
)  # fmt: skip
