"""Review pages: write/edit (from the shopper's order page), the product page's list (an HTMX fragment
of it here), helpful votes, reports, and the shop's replies. Refusals are shown in place (422)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.models import Product
from vendors.selectors import vendor_for_user

from . import selectors, services
from .forms import ReplyForm, ReportForm, ReviewForm, ReviewWithPhotosForm, add_service_error
from .models import Review, ShopReply
from .services import ReviewError
from .templatetags.reviews_tags import product_reviews_context


def _form_page(request, template: str, context: dict, *, fragment: str, failed: bool):
    if request.htmx and failed:
        template += f"#{fragment}"
    return render(request, template, context, status=422 if failed else 200)


@login_required
def review_write(request, item_id: int):
    item = selectors.order_item_for_reviewer(user=request.user, item_id=item_id)
    existing = Review.objects.filter(order_item=item).first()
    if existing:
        return redirect("reviews:edit", review_id=existing.pk)
    refusal = services.order_item_reviewable(order_item=item, user=request.user)
    form = ReviewWithPhotosForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.review_create(author=request.user, order_item=item, **form.cleaned_data)
        except ReviewError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Thank you: your review is published.")
            return _back_to_product(request, item.product)
    context = {"form": form, "item": item, "product": item.product, "refusal": refusal, "editing": False}
    failed = request.method == "POST" and (bool(form.errors) or bool(refusal))
    return _form_page(request, "reviews/write.html", context, fragment="review-form", failed=failed)


@login_required
def review_change(request, review_id: int):
    review = selectors.review_for_author(user=request.user, review_id=review_id)
    initial = {"rating": str(review.rating), "title": review.title, "text": review.text}
    form = ReviewForm(request.POST or None, initial=initial)
    refusal = None if services.review_editable(review=review) else "Reviews can be changed for 30 days after writing."
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.review_edit(review=review, by=request.user, **form.cleaned_data)
        except ReviewError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Your review is updated.")
            return _back_to_product(request, review.product)
    context = {"form": form, "review": review, "product": review.product, "refusal": refusal, "editing": True}
    failed = request.method == "POST" and (bool(form.errors) or bool(refusal))
    return _form_page(request, "reviews/write.html", context, fragment="review-form", failed=failed)


@login_required
@require_POST
def review_remove(request, review_id: int):
    review = selectors.review_for_author(user=request.user, review_id=review_id)
    services.review_delete(review=review, by=request.user)
    messages.success(request, "Your review is deleted.")
    return _back_to_product(request, review.product)


def _back_to_product(request, product):
    response = redirect(product.get_absolute_url() + "#reviews")
    if request.htmx:  # a boosted form's redirect: have htmx load the product page itself
        response = render(request, "reviews/write.html#done", {"product": product})
        response["HX-Redirect"] = product.get_absolute_url() + "#reviews"
    return response


@login_required
@require_POST
def helpful(request, review_id: int):
    review = selectors.review_public(review_id=review_id)
    error = None
    try:
        review = services.review_vote_helpful(review=review, user=request.user)
    except ReviewError as exc:
        error = str(exc)
    if request.htmx:
        context = {"review": review, "vote_error": error, "voted": error is None}
        return render(request, "reviews/_review.html#helpful", context, status=422 if error else 200)
    (messages.error if error else messages.success)(request, error or "Thanks for your vote.")
    return redirect(Product.objects.get(pk=review.product_id).get_absolute_url() + f"#review-{review.pk}")


@login_required
def report(request, review_id: int):
    review = selectors.review_public(review_id=review_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_report(review=review, reporter=request.user, **form.cleaned_data)
        except ReviewError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Thank you: our moderators will look at this review.")
            return _back_to_product(request, Product.objects.get(pk=review.product_id))
    context = {"form": form, "review": review, "product": Product.objects.get(pk=review.product_id)}
    failed = request.method == "POST" and bool(form.errors)
    return _form_page(request, "reviews/report.html", context, fragment="report-form", failed=failed)


@login_required
def reply(request, review_id: int):
    vendor = vendor_for_user(user=request.user)
    review = selectors.review_public(review_id=review_id)
    if review.vendor_id != vendor.pk:
        raise Http404("No such review of your shop's products.")
    existing = ShopReply.objects.filter(review=review).first()
    form = ReplyForm(request.POST or None, initial={"text": existing.text} if existing else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_reply_save(review=review, by=request.user, text=form.cleaned_data["text"])
        except ReviewError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Your reply is published.")
            return redirect(reverse("reviews:shop") + f"#review-{review.pk}")
    context = {"form": form, "review": review, "vendor": vendor, "existing": existing,
               "product": Product.objects.get(pk=review.product_id)}  # fmt: skip
    failed = request.method == "POST" and bool(form.errors)
    return _form_page(request, "reviews/reply.html", context, fragment="reply-form", failed=failed)


@login_required
def shop_reviews(request):
    """The shop's reviews, newest first, each with its reply or a link to write one."""
    vendor = vendor_for_user(user=request.user)
    reviews = (
        Review.objects.filter(vendor=vendor, is_hidden=False)
        .select_related("author", "reply", "product")
        .order_by("-created_at", "-id")
    )
    page = Paginator(reviews, 20).get_page(request.GET.get("page"))
    context = {"vendor": vendor, "page": page, "summary": selectors.shop_rating_summary(vendor=vendor)}
    return render(request, "reviews/shop_reviews.html", context)


def product_reviews(request, product_id: int):
    """The product page's reviews section alone, for HTMX (sort, filter, pages); without it, the product page."""
    product = Product.objects.visible().filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(product.get_absolute_url() + (f"?{query}" if query else "") + "#reviews")
    return render(request, "reviews/_section.html", product_reviews_context(request=request, product=product))
