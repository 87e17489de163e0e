"""Fast ``get_absolute_url`` for models shown by the dozen on a page.

``reverse()`` walks the URL resolver on every call (~60 µs here); a search page
calls it about 80 times. The path shape for a URL name is reversed once per
process, then filled in.
"""

from functools import lru_cache
from urllib.parse import quote

from django.urls import reverse

_MARK = "__slug__"


@lru_cache(maxsize=32)
def _shape(url_name: str) -> tuple[str, str]:
    path = reverse(url_name, kwargs={"slug": _MARK})
    head, _, tail = path.partition(_MARK)
    return head, tail


def slug_path(url_name: str, slug: str) -> str:
    head, tail = _shape(url_name)
    return f"{head}{quote(slug)}{tail}"
