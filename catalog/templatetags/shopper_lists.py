"""The heart (favourite) and follow buttons: one spelling each, used by cards, pages and HTMX answers.

    {% load shopper_lists %}
    {% favourite_button product favourited=True %}    a POST form (CSRF token from the request)
    {% follow_button vendor following=False %}

Each is a form that works without JavaScript (POST, then back to ``next``) and with HTMX (``hx-post``
swaps the form for the new state). ``favourited=None`` means "unknown": for HTML cached for everyone
(search results), where neither the person's state nor their CSRF token may appear; that form GETs a
small confirm page instead, and HTMX still posts (its CSRF token comes from ``hx-headers`` on <body>).
"""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _next_path(context) -> str:
    if "next_path" in context:  # given: a card drawn once for many pages (catalog.cards)
        return context["next_path"]
    request = context.get("request")
    return request.get_full_path() if request is not None else "/"


def _csrf_input(context) -> SafeString:
    # The context's token, as {% csrf_token %} uses: while a guest page is rendered for the cache it is
    # a placeholder (marketplace/page_cache.py), and a token of our own would be served to every guest.
    token = context.get("csrf_token")
    if token is None:
        request = context.get("request")
        if request is None:
            return mark_safe("")
        token = get_token(request)
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def favourite_button_html(context, *, product_id: int, title: str, favourited: bool | None) -> SafeString:
    url = reverse("shopper_lists:favourite", args=[product_id])
    label_on, label_off = f"Remove “{title}” from favourites", f"Save “{title}” to favourites"
    if favourited is None:
        # static/js/favourites.js fills the state in for signed-in visitors, with the labels given here.
        method, csrf, action, pressed, state = "get", mark_safe(""), "toggle", mark_safe(""), "unknown"
        label = f"Favourite “{title}”"
    else:
        method, csrf = "post", _csrf_input(context)
        action, state = ("remove", "on") if favourited else ("add", "off")
        pressed = format_html(' aria-pressed="{}"', "true" if favourited else "false")
        label = label_on if favourited else label_off
    return format_html(
        '<form class="fav-form" method="{}" action="{}" hx-post="{}" hx-target="this" hx-swap="outerHTML"'
        ' data-product-id="{}" data-state="{}" data-label-on="{}" data-label-off="{}">{}'
        '<input type="hidden" name="next" value="{}"><input type="hidden" name="action" value="{}">'
        '<button type="submit" class="fav-button{}"{} aria-label="{}" title="{}">'
        '<span aria-hidden="true">{}</span></button></form>',
        method, url, url, product_id, state, label_on, label_off, csrf, _next_path(context), action,
        " is-on" if favourited else "", pressed, label, label, "♥" if favourited else "♡",
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def favourite_button(context, product, favourited=None) -> SafeString:
    return favourite_button_html(context, product_id=product.pk, title=product.title, favourited=favourited)


@register.simple_tag(takes_context=True)
def follow_button(context, vendor, following=False) -> SafeString:
    url = reverse("shopper_lists:follow", args=[vendor.pk])
    return format_html(
        '<form class="follow-form" method="post" action="{}" hx-post="{}" hx-target="this" hx-swap="outerHTML">{}'
        '<input type="hidden" name="next" value="{}"><input type="hidden" name="action" value="{}">'
        '<button type="submit" class="button-small{}" aria-pressed="{}">{}</button></form>',
        url, url, _csrf_input(context), _next_path(context), "unfollow" if following else "follow",
        " button-secondary" if following else "", "true" if following else "false",
        "Following ✓" if following else "Follow this shop",
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def favourite_button_for(context, product_id, title, favourited) -> SafeString:
    """The heart from an id and title (the HTMX answer has no product instance to hand)."""
    return favourite_button_html(context, product_id=product_id, title=title, favourited=favourited)
