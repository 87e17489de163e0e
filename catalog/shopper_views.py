"""A shopper's own lists as pages: favourites, followed shops (with the weekly digest choice), and the
digest's unsubscribe link. Hearts and follow buttons are forms that work without JavaScript and with HTMX."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.redirects import safe_next_path

from . import selectors
from .models import ShopFollow
from .services import follow_digest
from .services.shopper_lists import (
    PENDING_FAVOURITE_SESSION_KEY,
    favourite_add,
    favourite_remove,
    shop_follow_add,
    shop_follow_remove,
)


def _next(request, default: str) -> str:
    return safe_next_path(request, request.POST.get("next") or request.GET.get("next")) or default


def _to_sign_in(request, next_path: str) -> HttpResponse:
    """Off to sign in, coming back to ``next_path``; an HTMX click has the browser go there (HX-Redirect)."""
    response = redirect_to_login(next_path)
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


@require_http_methods(["GET", "POST"])
def favourite(request, product_id: int):
    """GET: a confirm page (what a heart in cached HTML leads to without JavaScript). POST ``action`` add,
    remove or toggle: the change, then the heart (HTMX) or a redirect back to ``next``.

    A guest's POST remembers the product in their session and sends them to sign in; signing in makes it
    a favourite (``shopper_lists_on_sign_in``) and brings them back to the page they clicked on.
    """
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return _favourite_confirm(request, product_id)
    action = request.POST.get("action", "toggle")
    if action not in ("add", "remove", "toggle"):
        action = "toggle"
    if not request.user.is_authenticated:
        product = selectors.product_get_for_favourite(product_id=product_id)  # 404 for what shoppers can't see
        if action != "remove":
            request.session[PENDING_FAVOURITE_SESSION_KEY] = product.pk
        return _to_sign_in(request, _next(request, product.get_absolute_url()))
    favourited = selectors.favourite_product_ids(user=request.user, product_ids=[product_id])
    if action == "toggle":
        action = "remove" if favourited else "add"
    if action == "add":
        product = selectors.product_get_for_favourite(product_id=product_id)
        favourite_add(user=request.user, product=product)
    elif favourited:
        # No visibility check: a product hidden since it was hearted can still be let go.
        product = selectors.favourite_get_for_user(user=request.user, product_id=product_id).product
        favourite_remove(user=request.user, product_id=product_id)
    else:  # removing what isn't there: nothing to do, if the product is one they could see
        product = selectors.product_get_for_favourite(product_id=product_id)
    title, favourited = product.title, action == "add"
    if request.htmx:
        context = {"product_id": product_id, "title": title, "favourited": favourited}
        return render(request, "catalog/favourite.html#heart", context)
    messages.success(request, f"“{title}” {'saved to' if favourited else 'removed from'} your favourites.")
    return redirect(_next(request, "/account/favourites/"))


def _favourite_confirm(request, product_id: int):
    """The no-JavaScript step behind a heart whose state the page couldn't show: the state, and one button."""
    favourited = bool(selectors.favourite_product_ids(user=request.user, product_ids=[product_id]))
    if favourited:
        product = selectors.favourite_get_for_user(user=request.user, product_id=product_id).product
    else:
        product = selectors.product_get_for_favourite(product_id=product_id)
    context = {"product": product, "favourited": favourited, "next": _next(request, product.get_absolute_url())}
    return render(request, "catalog/favourite.html", context)


@login_required
@require_GET
def favourite_list(request):
    page = Paginator(selectors.favourite_list_for_user(user=request.user), 24).get_page(request.GET.get("page"))
    context = {"page": page, "all_hearted": {row.product_id for row in page}}
    return render(request, "catalog/favourites.html", context)


@require_POST
def follow(request, shop_id: int):
    """POST ``action`` follow or unfollow a shop: the button again (HTMX) or a redirect back to ``next``."""
    action = request.POST.get("action", "follow")
    if not request.user.is_authenticated:
        vendor = selectors.vendor_get_for_follow(vendor_id=shop_id)
        return _to_sign_in(request, _next(request, vendor.get_absolute_url()))
    if action == "unfollow":
        row = ShopFollow.objects.select_related("vendor").filter(user=request.user, vendor_id=shop_id).first()
        vendor = row.vendor if row else selectors.vendor_get_for_follow(vendor_id=shop_id)
        shop_follow_remove(user=request.user, vendor_id=shop_id)
        following = False
    else:
        vendor = selectors.vendor_get_for_follow(vendor_id=shop_id)
        shop_follow_add(user=request.user, vendor=vendor)
        following = True
    if request.htmx:
        return render(request, "catalog/following.html#follow", {"vendor": vendor, "following": following})
    messages.success(request, f"{'Following' if following else 'No longer following'} {vendor.name}.")
    return redirect(_next(request, vendor.get_absolute_url()))


@login_required
@require_http_methods(["GET", "POST"])
def follow_list(request):
    """The shops you follow, and the weekly digest's opt-in (POST ``digest`` on or off)."""
    if request.method == "POST":
        if request.POST.get("digest") == "on":
            follow_digest.follow_digest_subscribe(user=request.user)
            messages.success(request, "You'll get a weekly email when shops you follow list something new.")
        else:
            follow_digest.follow_digest_unsubscribe(user=request.user)
            messages.success(request, "Weekly email turned off.")
        return redirect("shopper_lists:following")
    page = Paginator(selectors.follow_list_for_user(user=request.user), 48).get_page(request.GET.get("page"))
    context = {"page": page, "digest": follow_digest.follow_digest_subscribed(user=request.user)}
    return render(request, "catalog/following.html", context)


# RFC 8058 one-click: mail clients POST ``List-Unsubscribe=One-Click`` to the link with no cookies and no
# CSRF token. The signed token in the URL is the authority (it names one account, and nothing else can
# be done with it), so there is nothing for CSRF to protect here.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token: str):
    """GET: a page with one button (link scanners that fetch links must not unsubscribe anyone); POST: done."""
    user = follow_digest.follow_digest_user_for_token(token)
    if user is None:
        return render(request, "catalog/digest_unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        follow_digest.follow_digest_unsubscribe(user=user)
        return render(request, "catalog/digest_unsubscribe.html", {"done": True, "email": user.email})
    return render(request, "catalog/digest_unsubscribe.html", {"token": token, "email": user.email})
