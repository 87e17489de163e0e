"""A guest's recently viewed products, kept in a signed cookie rather than the session.

Why a cookie: a session would cost every anonymous product view a session row (read and written), and a
warm product page is one query (catalog/tests/test_pages.py). The cookie holds at most
``RECENTLY_VIEWED_MAX`` product ids, is signed (a guest can't plant ids we then trust as theirs; the ids
are only ever shown if visible anyway) and is merged into the account at sign-in.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe

from .services.shopper_lists import RECENTLY_VIEWED_MAX

COOKIE = "recently_viewed"
_SALT = "catalog.recently-viewed"
_MAX_AGE = 60 * 60 * 24 * 90


def guest_ids(request) -> list[int]:
    """The guest's list, newest first ([] when absent, altered or malformed)."""
    raw = request.get_signed_cookie(COOKIE, default="", salt=_SALT, max_age=_MAX_AGE)
    ids = [int(part) for part in raw.split(".") if part.isdigit()]
    return ids[:RECENTLY_VIEWED_MAX]


def pushed(ids: list[int], product_id: int) -> list[int]:
    """``ids`` with ``product_id`` moved (or added) to the front, at most ``RECENTLY_VIEWED_MAX``."""
    return ([product_id] + [pk for pk in ids if pk != product_id])[:RECENTLY_VIEWED_MAX]


def store(response, ids: list[int]) -> None:
    response.set_signed_cookie(
        COOKIE,
        ".".join(str(pk) for pk in ids),
        salt=_SALT,
        max_age=_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def forget(response) -> None:
    response.delete_cookie(COOKIE, samesite="Lax")


def guest_section_html(request) -> SafeString:
    """A guest's "Recently viewed" strip for the home page, from the cached cards (catalog.cards).

    A per-visitor value of the guest page cache (settings.GUEST_PAGE_PERSONAL_VALUES): the home page
    is cached once for every guest, and each guest's own strip is put into their copy.
    """
    from .cards import cards_for

    if request.user.is_authenticated:
        return mark_safe("")
    ids = guest_ids(request)
    if not ids:
        return mark_safe("")
    cards = cards_for(ids, next_path=request.get_full_path())
    if not cards.count:  # all hidden or gone since
        return mark_safe("")
    return render_to_string("catalog/_recently_viewed.html", {"cards": cards})


def context(request) -> dict:
    """Template context processor: the guest's strip, drawn only by pages that show it."""
    return {"guest_recently_viewed": SimpleLazyObject(lambda: guest_section_html(request))}
