"""Writing reviews: who may review, edit and reply, and the rating aggregates kept in the same transaction.

Every change that can move a rating (create, edit, delete, hide, restore) goes through
``_ratings_move``: it locks the product row, then the shop row (always in that order, so two
changes can't deadlock), moves one review between the histogram buckets, and copies the
product's average and count to ``catalog.Product`` where search sorts and filters on them.
Review rows are locked before the product when an existing review changes.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product
from marketplace.cache_versions import REVIEWS_ANY, catalogue_changed
from marketplace.control_characters import has_control_characters
from marketplace.emails import email_enqueue, render_email
from marketplace.images import ImageRejected
from marketplace.notifications import notify
from orders.models import Order, OrderItem
from vendors.models import Vendor

from . import photos as review_photos
from .models import (
    REASON_MAX,
    REPLY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    HelpfulVote,
    ProductRating,
    Review,
    ReviewModeration,
    ReviewReport,
    ShopRating,
    ShopReply,
)

# Orders whose items may be reviewed: the parcel is on its way or there.
REVIEWABLE_STATUSES = (Order.Status.SHIPPED, Order.Status.DELIVERED)
REVIEW_WINDOW = timedelta(days=180)
EDIT_WINDOW = timedelta(days=30)


class ReviewError(Exception):
    """A refused review action; ``str(error)`` is for the person, ``code`` for API clients and tests."""

    code = "review_refused"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.field = field
        if code:
            self.code = code


# --- Rules ------------------------------------------------------------------------------


def review_window_start(order: Order):
    """When the 180 days to review start: the day the order shipped (or, failing that, was delivered)."""
    return order.shipped_at or order.delivered_at


def order_item_reviewable(*, order_item: OrderItem, user, now=None) -> str | None:
    """``None`` if ``user`` may review ``order_item`` now, else the reason why not (for the person)."""
    order = order_item.order
    if not user.is_authenticated or order.checkout.user_id != user.pk:
        return "Only the buyer of an item can review it."
    if order.status not in REVIEWABLE_STATUSES:
        return "You can review an item once it has been shipped."
    start = review_window_start(order)
    if start is None or (now or timezone.now()) - start > REVIEW_WINDOW:
        return f"Reviews can be written within {REVIEW_WINDOW.days} days of shipping."
    if Review.objects.filter(order_item=order_item).exists():
        return "You have already reviewed this item."
    return None


def review_editable(*, review: Review, now=None) -> bool:
    return (now or timezone.now()) - review.created_at <= EDIT_WINDOW


def _clean_rating(rating) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if isinstance(rating, bool) or str(rating).strip() != str(value) or not 1 <= value <= 5:
        raise ReviewError("Choose a rating from 1 to 5 stars.", code="invalid_rating", field="rating")
    return value


def _clean_text(value: str | None, *, field: str, limit: int, label: str, multiline: bool = True) -> str:
    value = (value or "").strip() if multiline else " ".join((value or "").split())
    if len(value) > limit:
        raise ReviewError(f"{label} can be at most {limit} characters.", code="too_long", field=field)
    if has_control_characters(value, allow_line_breaks=multiline):
        raise ReviewError(f"{label} may not contain control characters.", code="invalid_text", field=field)
    return value


# --- Aggregates -------------------------------------------------------------------------


def rating_average(counts: dict[int, int]) -> Decimal | None:
    total = sum(counts.values())
    if not total:
        return None
    stars = sum(star * n for star, n in counts.items())
    return (Decimal(stars) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratings_move(*, product_id: int, vendor_id: int, remove: int | None = None, add: int | None = None) -> None:
    """One visible review leaves bucket ``remove`` and/or enters bucket ``add``. Caller is in a transaction.

    Locks the product row, then the shop row: concurrent changes to one product queue here,
    so the read-modify-write of the buckets can't lose an update.
    """
    if remove == add:
        return
    Product.objects.select_for_update().only("pk").get(pk=product_id)
    Vendor.objects.select_for_update().only("pk").get(pk=vendor_id)
    for model, key in ((ProductRating, {"product_id": product_id}), (ShopRating, {"vendor_id": vendor_id})):
        histogram, _ = model.objects.get_or_create(**key)
        if remove:
            setattr(histogram, f"stars_{remove}", getattr(histogram, f"stars_{remove}") - 1)
        if add:
            setattr(histogram, f"stars_{add}", getattr(histogram, f"stars_{add}") + 1)
        histogram.save()
        if model is ProductRating:
            Product.objects.filter(pk=product_id).update(
                rating_avg=rating_average(histogram.counts), rating_count=histogram.count
            )


def product_reviews_changed(product_id: int) -> None:
    """The product's cached reviews section (guests') is rebuilt: its key carries this version."""
    for key in (f"version:reviews:{product_id}", REVIEWS_ANY):
        try:
            cache.incr(key)
        except ValueError:  # not set yet (or the cache was flushed)
            cache.set(key, 2, None)


def _shown_changed(product_id: int) -> None:
    """Cached product, listing and search pages show ratings and review text: rebuild them after commit."""
    transaction.on_commit(catalogue_changed)
    transaction.on_commit(lambda: product_reviews_changed(product_id))


def _lock(review: Review) -> Review:
    return Review.objects.select_for_update().get(pk=review.pk)


# --- Reviews ----------------------------------------------------------------------------


def review_create(
    *, author, order_item: OrderItem, rating, title: str = "", text: str = "", photos: list | None = None
) -> Review:
    """``author``'s review of an item they bought (see ``order_item_reviewable``), with up to three photos
    (uploaded files: checked and re-encoded before anything is written)."""
    rating = _clean_rating(rating)
    title = _clean_text(title, field="title", limit=TITLE_MAX, label="The title", multiline=False)
    text = _clean_text(text, field="text", limit=TEXT_MAX, label="The review")
    order_item = OrderItem.objects.select_related("order__checkout").get(pk=order_item.pk)
    refusal = order_item_reviewable(order_item=order_item, user=author)
    if refusal:
        code = "already_reviewed" if "already" in refusal else "not_eligible"
        raise ReviewError(refusal, code=code)
    try:
        cleaned = review_photos.photos_clean(photos or [])
    except ImageRejected as exc:
        raise ReviewError(str(exc), code="invalid_photo", field="photos") from None
    written: list[str] = []
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order_item=order_item, product_id=order_item.product_id, vendor_id=order_item.order.vendor_id,
                author=author, rating=rating, title=title, text=text,
            )  # fmt: skip
            review_photos.photos_store(review=review, photos=cleaned, written=written)
            _ratings_move(product_id=review.product_id, vendor_id=review.vendor_id, add=rating)
            _shown_changed(review.product_id)
    except BaseException as exc:
        review_photos.photos_delete_files(written)
        # The same item reviewed twice at once: the unique order_item wins.
        if isinstance(exc, IntegrityError) and Review.objects.filter(order_item=order_item).exists():
            raise ReviewError("You have already reviewed this item.", code="already_reviewed") from None
        raise
    return review


def review_edit(*, review: Review, by, rating, title: str = "", text: str = "") -> Review:
    """The author changes their review, within ``EDIT_WINDOW`` of writing it."""
    rating = _clean_rating(rating)
    title = _clean_text(title, field="title", limit=TITLE_MAX, label="The title", multiline=False)
    text = _clean_text(text, field="text", limit=TEXT_MAX, label="The review")
    with transaction.atomic():
        locked = _lock(review)
        if locked.author_id != by.pk:
            raise ReviewError("Only the author can change a review.", code="not_author")
        if not review_editable(review=locked):
            raise ReviewError(f"Reviews can be changed for {EDIT_WINDOW.days} days.", code="edit_window_closed")
        if not locked.is_hidden:
            _ratings_move(product_id=locked.product_id, vendor_id=locked.vendor_id, remove=locked.rating, add=rating)
        locked.rating, locked.title, locked.text = rating, title, text
        locked.save(update_fields=["rating", "title", "text", "updated_at"])
        _shown_changed(locked.product_id)  # the text may have changed even when the rating didn't
    return locked


def review_delete(*, review: Review, by) -> None:
    with transaction.atomic():
        locked = _lock(review)
        if locked.author_id != by.pk:
            raise ReviewError("Only the author can delete a review.", code="not_author")
        if not locked.is_hidden:
            _ratings_move(product_id=locked.product_id, vendor_id=locked.vendor_id, remove=locked.rating)
        files = [name for photo in locked.photos.all() for name in review_photos.photo_files(photo)]
        locked.delete()
        _shown_changed(locked.product_id)
        transaction.on_commit(lambda: review_photos.photos_delete_files(files), robust=True)


# --- Moderation -------------------------------------------------------------------------


def review_set_hidden(*, review: Review, hidden: bool, by, reason: str) -> Review:
    """Staff hide (or restore) a review, with the reason, in the audit; open reports are resolved."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReviewError("Give the reason.", code="reason_required", field="reason")
    with transaction.atomic():
        locked = _lock(review)
        if locked.is_hidden == hidden:
            state = "hidden" if hidden else "visible"
            raise ReviewError(f"The review is already {state}.", code="no_change")
        if hidden:
            _ratings_move(product_id=locked.product_id, vendor_id=locked.vendor_id, remove=locked.rating)
        else:
            _ratings_move(product_id=locked.product_id, vendor_id=locked.vendor_id, add=locked.rating)
        locked.is_hidden = hidden
        locked.hidden_reason = reason[:REASON_MAX] if hidden else ""
        locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
        ReviewModeration.objects.create(
            review=locked, action=ReviewModeration.Action.HIDE if hidden else ReviewModeration.Action.RESTORE,
            reason=reason, changed_by=by,
        )  # fmt: skip
        ReviewReport.objects.filter(review=locked, resolved_at__isnull=True).update(resolved_at=timezone.now())
        _shown_changed(locked.product_id)
    return locked


def review_report(*, review: Review, reporter, reason: str, note: str = "") -> ReviewReport:
    if review.author_id == reporter.pk:
        raise ReviewError("You can't report your own review; you can edit or delete it.", code="own_review")
    if reason not in ReviewReport.Reason.values:
        raise ReviewError("Choose a reason.", code="invalid_reason", field="reason")
    note = _clean_text(note, field="note", limit=REASON_MAX, label="The note", multiline=False)
    try:
        with transaction.atomic():
            return ReviewReport.objects.create(review=review, reporter=reporter, reason=reason, note=note)
    except IntegrityError:
        raise ReviewError("You have already reported this review.", code="already_reported") from None


# --- Helpful votes ----------------------------------------------------------------------


def review_vote_helpful(*, review: Review, user) -> Review:
    """One "helpful" per signed-in person per review, never on one's own."""
    if review.author_id == user.pk:
        raise ReviewError("You can't vote on your own review.", code="own_review")
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, user=user)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
            # Only this product's reviews section shows votes: no need to rebuild the whole catalogue.
            transaction.on_commit(lambda: product_reviews_changed(review.product_id))
    except IntegrityError:
        raise ReviewError("You have already marked this review helpful.", code="already_voted") from None
    review.refresh_from_db(fields=["helpful_count"])
    return review


# --- Shop replies -----------------------------------------------------------------------


def shop_reply_save(*, review: Review, by, text: str) -> ShopReply:
    """The product's shop answers a review (or edits its answer); the reviewer gets an email and a notification."""
    text = _clean_text(text, field="text", limit=REPLY_MAX, label="The reply")
    if not text:
        raise ReviewError("Write the reply.", code="reply_required", field="text")
    with transaction.atomic():
        locked = Review.objects.select_for_update().select_related("vendor", "author").get(pk=review.pk)
        if locked.vendor.owner_id != by.pk:
            raise ReviewError("Only the product's shop can reply to a review.", code="not_your_shop")
        reply, created = ShopReply.objects.update_or_create(review=locked, defaults={"text": text, "author": by})
        if created:
            _email_reviewer(locked, reply)
        _shown_changed(locked.product_id)
    return reply


def _email_reviewer(review: Review, reply: ShopReply) -> None:
    product = Product.objects.get(pk=review.product_id)
    context = {"review": review, "reply": reply, "product": product, "vendor": review.vendor}
    subject, text, html = render_email("reviews/email/reply", context)
    email_enqueue(to=[review.author.email], subject=subject, text=text, html=html)
    notify(
        user=review.author,
        kind="review_reply",
        text=f"{review.vendor.name} replied to your review of {product.title}.",
        url=product.get_absolute_url(),
    )


# --- Review requests --------------------------------------------------------------------


def review_requests_send(*, now=None, limit: int = 500) -> int:
    """Ask buyers of orders delivered ``REVIEW_REQUEST_DAYS`` ago for a review, once per order.

    The claim (a ``ReviewRequest`` row, unique per order) is written in the same transaction
    that enqueues the email after commit, so a rerun or a second worker never sends it twice.
    """
    from .models import ReviewRequest

    now = now or timezone.now()
    due = now - timedelta(days=settings.REVIEW_REQUEST_DAYS)
    oldest = now - REVIEW_WINDOW
    candidates = (
        Order.objects.filter(
            status=Order.Status.DELIVERED,
            delivered_at__lte=due,
            delivered_at__gte=oldest,
            checkout__user__isnull=False,
            review_request__isnull=True,
        )
        .order_by("delivered_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for order_id in candidates:
        with transaction.atomic():
            _, claimed = ReviewRequest.objects.get_or_create(order_id=order_id)
            if not claimed:
                continue
            order = Order.objects.select_related("checkout__user", "vendor").get(pk=order_id)
            items = [item for item in order.items.all() if not Review.objects.filter(order_item=item).exists()]
            if not items:
                continue
            context = {"order": order, "items": items, "user": order.checkout.user}
            subject, text, html = render_email("reviews/email/request", context)
            email_enqueue(to=[order.checkout.user.email], subject=subject, text=text, html=html)
            ReviewRequest.objects.filter(order_id=order_id).update(sent_at=now)
            sent += 1
    return sent
