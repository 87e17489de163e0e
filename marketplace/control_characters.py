"""Control characters are refused at the boundary, before any view or query sees them.

PostgreSQL cannot store NUL in text (psycopg raises, the page is a 500), and
other C0/C1 controls only ever arrive from scripts: they forge log lines,
carry terminal escapes, or hide text. Query strings may hold none of them;
form fields may hold tab, CR and LF (a textarea's line breaks). JSON bodies
of the API get the same rule in ``marketplace.api.BoundedJSONParser``, and a
cookie holding one is dropped (a quoted value can spell NUL as ``\\000``).
"""

import re

from marketplace import errors

# C0 controls, DEL and the C1 block (U+0080–U+009F).
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(text: str, *, allow_line_breaks: bool) -> bool:
    pattern = _CONTROL_BUT_LINE_BREAKS if allow_line_breaks else _ANY_CONTROL
    return pattern.search(text) is not None


def _querydict_is_clean(data, *, allow_line_breaks: bool) -> bool:
    return not any(
        has_control_characters(key, allow_line_breaks=False)
        or any(has_control_characters(value, allow_line_breaks=allow_line_breaks) for value in values)
        for key, values in data.lists()
    )


class ControlCharacterCookiesMiddleware:
    """Cookies holding a control character are treated as absent.

    Placed before the session middleware: a session key with a NUL would crash
    the session lookup on every page. Refusing the request instead would not
    help the person, whose browser sends the cookie again; dropping it gives
    them a fresh session, whose cookie then replaces the bad one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if has_control_characters(name + value, allow_line_breaks=False):
                del request.COOKIES[name]
        return self.get_response(request)


class ControlCharactersMiddleware:
    """400 for a control character in a query parameter or a form field (names and values).

    The form body is read in ``process_view`` so that views exempt from CSRF
    (the Stripe webhooks, which read and sign their raw body) are left alone,
    exactly as Django's CSRF middleware leaves their body unread. DRF views are
    CSRF-exempt too but parse forms themselves, so their form bodies are checked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _querydict_is_clean(request.GET, allow_line_breaks=False):
            return errors.control_characters(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        if request.content_type not in _FORM_TYPES:
            return None
        if getattr(view_func, "csrf_exempt", False) and not hasattr(view_func, "cls"):
            return None
        if not _querydict_is_clean(request.POST, allow_line_breaks=True):
            return errors.control_characters(request)
        return None
