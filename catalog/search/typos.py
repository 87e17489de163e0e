"""Typo fixes: "Did you mean …?" from the listed words, and near-miss titles."""

import re

from catalog.models import SearchWord
from catalog.selectors import fetch_rows

from .params import SearchParams


def query_suggest(q: str) -> tuple[str, bool]:
    """(the query with each unknown word replaced by the closest listed word (pg_trgm), or "";
    whether every word is a listed word already)."""
    words = re.findall(r"[^\W\d_]+", q.lower())
    if not words:
        return "", False
    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    corrected, changed, all_known = [], False, True
    for word in words:
        if word in known or len(word) < 3 or word == "or":
            corrected.append(word)
            continue
        all_known = False
        rows = fetch_rows(
            "SELECT word FROM catalog_searchword WHERE word %% %s "
            "ORDER BY similarity(word, %s) DESC, documents DESC, word LIMIT 1",
            [word, word],
        )
        replacement = rows[0][0] if rows else word
        changed = changed or replacement != word
        corrected.append(replacement)
    return (" ".join(corrected) if changed else ""), all_known


def typo_ids(params: SearchParams, where: list[str], args: list) -> list[int]:
    """Products whose title is close to the query (trigram word similarity), best first."""
    sql = (
        "SELECT p.id FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
        f"WHERE {' AND '.join(where)} AND %s <%% p.title "
        f"ORDER BY word_similarity(%s, p.title) DESC, p.id DESC LIMIT {params.page_size}"
    )
    return [row[0] for row in fetch_rows(sql, [*args, params.q, params.q])]
