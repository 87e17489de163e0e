"""Upkeep of what search reads besides the trigger-kept vectors."""

from django.db import connection, transaction


@transaction.atomic
def search_words_refresh() -> int:
    """Rebuild the "Did you mean" vocabulary from listed titles and tags; returns the word count."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_searchword")
        cursor.execute(
            """
            INSERT INTO catalog_searchword (word, documents)
            SELECT word, ndoc FROM ts_stat($$
                SELECT to_tsvector('simple', p.title || ' ' || array_to_string(p.tags, ' '))
                FROM catalog_product p WHERE p.status = 'active'
            $$)
            WHERE length(word) BETWEEN 3 AND 100 AND word ~ '^[[:alpha:]]+$'
            """
        )
        return cursor.rowcount
