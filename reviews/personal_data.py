"""The reviews' contribution to ``marketplace.personal_data``: reviews written, helpful votes, reports.

On erasure the person chooses: keep their reviews, shown as by "Former customer" (the author is the erased
account, which ``selectors.reviewer_name`` names so), or remove them through ``review_delete``, which keeps
the ratings in step and deletes the photos' files after commit. Votes and reports stay as counts, linked
to the erased account, which holds nothing personal.
"""

from django.db.models import Count

from marketplace.personal_data import timestamp

from .models import HelpfulVote, Review, ReviewReport
from .services import review_delete


def export(user) -> dict:
    reviews = (
        Review.objects.filter(author=user)
        .select_related("product", "reply")
        .annotate(photo_count=Count("photos"))
        .order_by("created_at", "pk")
    )
    out = []
    for r in reviews:
        reply = getattr(r, "reply", None)
        out.append(
            {
                "id": r.pk,
                "product_id": r.product_id,
                "product": r.product.title,
                "rating": r.rating,
                "title": r.title,
                "text": r.text,
                "is_hidden": r.is_hidden,
                "photos": r.photo_count,
                "shop_reply": reply.text if reply else None,
                "created_at": timestamp(r.created_at),
                "updated_at": timestamp(r.updated_at),
            }
        )
    return {
        "reviews": out,
        "helpful_votes": list(HelpfulVote.objects.filter(user=user).order_by("pk").values_list("review_id", flat=True)),
        "review_reports": [
            {"review_id": rr.review_id, "reason": rr.reason, "note": rr.note, "created_at": timestamp(rr.created_at)}
            for rr in ReviewReport.objects.filter(reporter=user).order_by("pk")
        ],
    }


def erase(user, *, keep_reviews: bool) -> None:
    if keep_reviews:
        return
    for review in Review.objects.filter(author=user).order_by("pk"):
        review_delete(review=review, by=user)
