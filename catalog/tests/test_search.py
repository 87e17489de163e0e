"""Search on a small hand-made catalogue: relevance, filters, sorts, typos, facets, bad input."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.search import SearchError, SearchParams, product_search, search_params_parse
from catalog.services.search_index import search_words_refresh
from catalog.tests.factories import CategoryFactory, ProductFactory
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def _search(**query) -> list[str]:
    result = product_search(params=search_params_parse({k: str(v) for k, v in query.items()}), use_cache=False)
    return [p.title for p in result.products]


@pytest.fixture
def catalogue():
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=ceramics)
    textiles = CategoryFactory(name="Textiles", slug="textiles")
    bath = VendorFactory(name="Bath Clay", town="Bath", country="GB", latitude=51.3751, longitude=-2.3617)
    york = VendorFactory(name="York Loom", town="York", country="GB", latitude=53.9576, longitude=-1.0827)
    paris = VendorFactory(name="Atelier Paris", town="Paris", country="FR", latitude=48.8534, longitude=2.3488)
    items = {
        "mug_title": ProductFactory(vendor=bath, category=mugs, title="Blue stoneware mug", price=Decimal("30.00")),
        "mug_desc": ProductFactory(
            vendor=york, category=textiles, title="Wool cosy", description="Keeps a mug warm", price=Decimal("12.00")
        ),
        "phrase": ProductFactory(
            vendor=paris, category=mugs, title="Hand thrown mug", price=Decimal("45.00"), made_to_order=True,
            processing_days=10, stock_quantity=0,
        ),
        "scarf": ProductFactory(vendor=york, category=textiles, title="Merino scarf", price=Decimal("80.00"),
                                tags=["wool", "winter"]),
        "bowl": ProductFactory(vendor=bath, category=ceramics, title="Speckled bowl", price=Decimal("22.00"),
                               shipping_override=Decimal("0")),
    }  # fmt: skip
    search_words_refresh()
    return items


def test_title_hits_outrank_description_hits(catalogue):
    titles = _search(q="mug")
    assert set(titles) == {"Blue stoneware mug", "Hand thrown mug", "Wool cosy"}
    assert titles[-1] == "Wool cosy"  # a description hit ranks below title hits


def test_exact_phrase_exclusion_and_or(catalogue):
    assert _search(q='"hand thrown"') == ["Hand thrown mug"]
    assert "Blue stoneware mug" not in _search(q="mug -blue")
    assert set(_search(q="scarf or bowl")) == {"Merino scarf", "Speckled bowl"}


def test_the_last_word_matches_as_a_prefix_for_search_as_you_type(catalogue):
    assert _search(q="stonew") == ["Blue stoneware mug"]
    assert _search(q="blue stonew") == ["Blue stoneware mug"]


def test_tags_category_and_shop_names_are_searched(catalogue):
    assert _search(q="winter") == ["Merino scarf"]
    assert "Speckled bowl" in _search(q="ceramics")
    assert set(_search(q="atelier")) == {"Hand thrown mug"}


def test_a_typo_falls_back_and_offers_a_correction(catalogue):
    result = product_search(params=search_params_parse({"q": "stonewear"}), use_cache=False)
    assert result.suggestion == "stoneware"
    assert result.typo_fallback
    assert [p.title for p in result.products] == ["Blue stoneware mug"]


@pytest.mark.parametrize("q", ["& | ! : * ( ) '", "\\\\", "mug & (", "'); DROP TABLE catalog_product; --", ":*"])
def test_tsquery_syntax_characters_never_break_search(catalogue, q):
    product_search(params=search_params_parse({"q": q}), use_cache=False)  # no exception


def test_category_filter_includes_descendants(catalogue):
    assert set(_search(category="ceramics")) == {"Blue stoneware mug", "Hand thrown mug", "Speckled bowl"}


def test_price_stock_country_and_free_shipping_filters(catalogue):
    assert set(_search(price_min="20", price_max="30")) == {"Blue stoneware mug", "Speckled bowl"}
    assert _search(stock="made_to_order") == ["Hand thrown mug"]
    assert "Hand thrown mug" not in _search(stock="in_stock")
    assert _search(country="FR") == ["Hand thrown mug"]
    assert _search(free_shipping="1") == ["Speckled bowl"]


def test_min_rating_filter_and_rating_sort(catalogue):
    from catalog.models import Product

    Product.objects.filter(pk=catalogue["scarf"].pk).update(rating_avg=Decimal("4.80"), rating_count=12)
    Product.objects.filter(pk=catalogue["bowl"].pk).update(rating_avg=Decimal("3.50"), rating_count=3)
    assert _search(min_rating="4") == ["Merino scarf"]
    assert _search(sort="rating")[:2] == ["Merino scarf", "Speckled bowl"]


def test_sorts_by_price_and_newest(catalogue):
    assert _search(sort="price_asc")[0] == "Wool cosy"
    assert _search(sort="price_desc")[0] == "Merino scarf"
    assert _search(sort="newest")[0] == "Speckled bowl"


def test_location_radius_and_distance_sort(catalogue):
    # Bath to York is ~290 km; Bath to Paris ~437 km.
    assert set(_search(near="Bath, GB", radius_km="100")) == {"Blue stoneware mug", "Speckled bowl"}
    titles = _search(near="Bath, GB", radius_km="400", sort="distance")
    assert titles[-2:] == ["Wool cosy", "Merino scarf"] or titles[-2:] == ["Merino scarf", "Wool cosy"]
    result = product_search(
        params=search_params_parse({"lat": "51.3751", "lng": "-2.3617", "radius_km": "600", "sort": "distance"}),
        use_cache=False,
    )
    distances = [result.distances[p.pk] for p in result.products]
    assert distances == sorted(distances)
    assert 430 < distances[-1] < 445  # Bath to Paris, great-circle


def test_radius_across_the_antimeridian_and_at_the_poles():
    fiji = VendorFactory(name="Suva Carvers", town="Suva", country="FJ", latitude=-18.1, longitude=179.9)
    samoa = VendorFactory(name="Apia Weavers", town="Apia", country="WS", latitude=-18.0, longitude=-179.9)
    polar = VendorFactory(name="Polar Knits", town="Alert", country="CA", latitude=89.5, longitude=10.0)
    ProductFactory(vendor=fiji, title="Fiji bowl")
    ProductFactory(vendor=samoa, title="Samoa mat")
    ProductFactory(vendor=polar, title="Polar hat")
    assert set(_search(lat="-18.05", lng="179.99", radius_km="50")) == {"Fiji bowl", "Samoa mat"}
    assert set(_search(lat="-18.05", lng="-179.99", radius_km="50")) == {"Fiji bowl", "Samoa mat"}
    assert _search(lat="89.9", lng="-170", radius_km="100") == ["Polar hat"]  # over the pole
    assert _search(lat="90", lng="0", radius_km="100") == ["Polar hat"]


def test_facet_counts_follow_the_query(catalogue):
    result = product_search(params=search_params_parse({"q": "mug"}), use_cache=False)
    counts = {f["name"]: f["count"] for f in result.facets["categories"]}
    assert counts == {"Mugs": 2, "Textiles": 1}
    prices = {(b["min"], b["max"]): b["count"] for b in result.facets["prices"]}
    assert prices[("0", "25")] == 1 and prices[("25", "50")] == 2
    assert not result.facets["approximate"]


@pytest.mark.django_db
def test_price_bands_take_each_price_at_their_low_edge_and_count_only_the_capped_rows(monkeypatch):
    from catalog.search import limits
    from catalog.search.facets import facets_count

    category = CategoryFactory()
    # (category_id, price_cents, ...): each band is [low, next low); 250 and over is the last.
    cents = [0, 2499, 2500, 4999, 5000, 9999, 10000, 24999, 25000, 10**9]
    rows = [(category.pk, c, i) for i, c in enumerate(cents)] + [(category.pk + 10**6, 100, 99)]  # unknown category
    facets = facets_count(rows, SearchParams())
    assert [b["count"] for b in facets["prices"]] == [3, 2, 2, 2, 2]
    assert facets["categories"] == [{"id": category.pk, "slug": category.slug, "name": category.name, "count": 10}]
    assert not facets["approximate"]
    monkeypatch.setattr(limits, "COUNT_CAP", 4)  # rows past the cap say "more", and are not counted
    facets = facets_count(rows, SearchParams())
    assert [b["count"] for b in facets["prices"]] == [2, 2, 0, 0, 0] and facets["approximate"]


def test_hidden_shops_and_unlisted_products_are_never_found(catalogue):
    Vendor.objects.filter(name="Bath Clay").update(status=Vendor.Status.SUSPENDED)
    assert "Blue stoneware mug" not in _search(q="mug")
    assert "Speckled bowl" not in _search()


def test_pages_hold_24_and_past_the_end_is_an_error():
    ProductFactory.create_batch(30, title="Oak board")
    result = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    assert (result.count, result.pages, len(result.products)) == (30, 2, 24)
    assert len(product_search(params=search_params_parse({"q": "oak", "page": "2"}), use_cache=False).products) == 6
    with pytest.raises(SearchError, match="only 2 pages"):
        product_search(params=search_params_parse({"q": "oak", "page": "3"}), use_cache=False)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "x" * 10000}, "q"),
        ({"price_min": "50", "price_max": "10"}, "price_min"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_max": "ten"}, "price_max"),
        ({"category": "no-such-category"}, "category"),
        ({"lat": "51", "lng": "0", "radius_km": "0"}, "radius_km"),
        ({"lat": "51", "lng": "0", "radius_km": "20001"}, "radius_km"),
        ({"lat": "51", "lng": "0", "radius_km": "-5"}, "radius_km"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"lat": "91", "lng": "0"}, "lat"),
        ({"lat": "10", "lng": "-181"}, "lng"),
        ({"lat": "10"}, "lng"),
        ({"near": "Atlantis, XX"}, "near"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "cheapest"}, "sort"),
        ({"country": "GBR"}, "country"),
    ],
)
def test_bad_input_names_the_field(query, field):
    with pytest.raises(SearchError) as exc:
        search_params_parse(query)
    assert exc.value.field == field


def test_api_returns_400_json_for_bad_input_and_snake_case_parameters_work(catalogue):
    api = APIClient()
    response = api.get("/api/search", {"price_min": "50", "price_max": "10"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "price_min" in response.json()["errors"]
    body = api.get("/api/search", {"q": "mug", "price_max": "40", "near": "Bath, GB", "radius_km": "500"}).json()
    assert [r["title"] for r in body["results"]] == ["Blue stoneware mug", "Wool cosy"]
    assert body["results"][0]["distance_km"] == 0.0
    assert set(body) == {
        "count", "next", "previous", "results", "count_capped", "facets", "suggestion", "corrected_query"
    }  # fmt: skip
    assert api.get("/api/search", {"page": "9"}).status_code == 404  # past the end, as in every list
    assert api.get("/api/search", {"page": "x"}).status_code == 400


def test_html_search_shows_a_friendly_message_and_the_unfiltered_page(client, catalogue):
    response = client.get("/search", {"q": "mug", "price_min": "abc"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "price_min must be a number" in html
    assert "5 results" in html


def test_htmx_gets_only_the_results_fragment(client, catalogue):
    response = client.get("/search", {"q": "mug"}, headers={"HX-Request": "true", "HX-Target": "search-results"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "Blue stoneware mug" in html and "<html" not in html


def test_category_pages_use_the_same_results(client, catalogue):
    html = client.get("/c/ceramics/", {"sort": "price_asc"}).content.decode()
    assert html.index("Speckled bowl") < html.index("Blue stoneware mug") < html.index("Hand thrown mug")
    assert "Wool cosy" not in html


def test_cached_results_never_outlive_an_edit(catalogue, django_capture_on_commit_callbacks):
    from catalog.services.products import product_update

    params = SearchParams(q="scarf", sort="relevance")
    assert [p.title for p in product_search(params=params).products] == ["Merino scarf"]
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=catalogue["scarf"], title="Merino shawl")
    assert product_search(params=params).products == []
    assert [p.title for p in product_search(params=SearchParams(q="shawl", sort="relevance")).products] == [
        "Merino shawl"
    ]


def test_the_vocabulary_task_picks_up_new_words():
    from catalog.models import SearchWord
    from catalog.tasks import refresh_search_words

    ProductFactory(title="Driftwood lantern")
    assert refresh_search_words.delay().get() >= 2
    assert SearchWord.objects.filter(word="driftwood").exists()


def test_the_rendered_results_are_shared_but_never_stale_or_personal(
    client, catalogue, shopper, django_capture_on_commit_callbacks
):
    from catalog.services.products import product_update

    first = client.get("/search", {"q": "scarf"}).content.decode()
    assert "Merino scarf" in first
    # A signed-in shopper gets the same cached results inside their own page (their header, their CSRF token).
    client.force_login(shopper)
    page = client.get("/search", {"q": "scarf"}).content.decode()
    assert "Merino scarf" in page and "Log out" in page and "csrfmiddlewaretoken" in page
    assert "csrfmiddlewaretoken" not in page.split('id="search-results"')[1].split("</main>")[0]
    # An edit bumps the catalogue version: the next page is built afresh.
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=catalogue["scarf"], title="Merino shawl")
    assert "Merino" not in client.get("/search", {"q": "scarf"}).content.decode().split('id="search-results"')[1]
    shawl = client.get("/search", {"q": "shawl"}, headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert "Merino shawl" in shawl.content.decode()
    # Different query strings never share a page: another sort, another order.
    html = client.get("/search", {"q": "mug", "sort": "price_desc"}).content.decode()
    assert html.index("Hand thrown mug") < html.index("Blue stoneware mug")
    html = client.get("/search", {"q": "mug", "sort": "price_asc"}).content.decode()
    assert html.index("Blue stoneware mug") < html.index("Hand thrown mug")


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "rating"])
def test_small_result_sets_sorted_in_python_match_the_sql_order(monkeypatch, sort):
    """Up to COUNT_CAP matches are ordered in Python; beyond it, by SQL. Both must agree, ties included."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Product
    from catalog.search import limits

    vendor = VendorFactory()
    now = timezone.now()
    for i, (price, rating, count) in enumerate(
        [("10", None, 0), ("10", "4.50", 3), ("25", "4.50", 9), ("25", None, 0), ("5", "3.00", 1), ("10", "4.50", 3)]
    ):
        product = ProductFactory(vendor=vendor, title=f"Ash bowl {i}", price=Decimal(price))
        Product.objects.filter(pk=product.pk).update(
            rating_avg=Decimal(rating) if rating else None,
            rating_count=count,
            created_at=now - timedelta(days=i % 3),  # equal dates, so ids break the ties
        )
    params = search_params_parse({"q": "ash bowl", "sort": sort})
    in_python = product_search(params=params, use_cache=False).ids
    monkeypatch.setattr(limits, "COUNT_CAP", 2)  # now "capped": the page comes from SQL's ORDER BY
    in_sql = product_search(params=params, use_cache=False).ids
    assert len(in_python) == 6 and in_python == in_sql


@pytest.fixture
def oak_catalogue():
    """Twelve matches for "oak": title hits (older) and description hits (newer)."""
    vendor = VendorFactory()
    titles = [ProductFactory(vendor=vendor, title=f"Oak board {i}").title for i in range(6)]
    descriptions = [
        ProductFactory(vendor=vendor, title=f"Board {i}", description="Made from oak offcuts.").title for i in range(6)
    ]
    return titles, descriptions


def test_many_expected_matches_rank_in_one_query_with_the_same_order(monkeypatch, oak_catalogue):
    from catalog.search import limits, planner, selector

    exact = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    calls = []
    monkeypatch.setattr(planner, "estimate_is_informed", lambda params: True)
    monkeypatch.setattr(planner, "match_estimate", lambda where, args, **kw: calls.append(1) or 10_000)
    monkeypatch.setattr(limits, "CANDIDATE_SLACK", 10**9)  # a window wider than the table: ranked over all
    monkeypatch.setattr(selector, "capped_rows", lambda *a: pytest.fail("the ranked query should have counted"))
    ranked = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    assert calls and ranked.ids == exact.ids and ranked.count == 12 and not ranked.count_capped
    assert ranked.facets == exact.facets


def test_a_capped_ranked_search_ranks_the_newest_matches(monkeypatch, oak_catalogue):
    from catalog.search import limits, planner

    titles, descriptions = oak_catalogue
    monkeypatch.setattr(planner, "estimate_is_informed", lambda params: True)
    monkeypatch.setattr(planner, "match_estimate", lambda where, args, **kw: 10_000)
    monkeypatch.setattr(limits, "CANDIDATE_SLACK", 10**9)
    monkeypatch.setattr(limits, "COUNT_CAP", 7)  # 12 matches: "7+", the newest 8 ranked
    result = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    assert result.count_label == "7+" and result.facets["approximate"]
    found = [p.title for p in result.products]
    # The newest 8 are the 6 description hits and the 2 newest title hits; title hits rank first.
    assert found[:2] == [titles[5], titles[4]] and set(found[2:]) == set(descriptions)


def test_a_window_that_misses_matches_falls_back_to_counting(monkeypatch, oak_catalogue):
    from catalog.search import planner

    exact = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    monkeypatch.setattr(planner, "estimate_is_informed", lambda params: True)
    monkeypatch.setattr(planner, "match_estimate", lambda where, args, **kw: 10**12)  # "everywhere": a tiny window
    result = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    assert result.ids == exact.ids and result.count == 12


def test_words_the_statistics_do_not_know_are_treated_as_rare(oak_catalogue):
    from django.db import connection

    from catalog.search import planner

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    planner.statistics_forget()
    # "oak" is in every row, so PostgreSQL tracks it. (Quoted: an exact word. On a dozen rows its estimate
    # for the prefix form, a share of all tracked lexemes, rounds to the same single row as a guess.)
    assert planner.estimate_is_informed(SearchParams(q='"oak"'))
    assert not planner.estimate_is_informed(SearchParams(q="blorptangle"))
    # With its guess, an unknown word takes the exact path: counted first, then ranked by primary key.
    assert product_search(params=SearchParams(q="blorptangle", sort="relevance"), use_cache=False).count == 0


def test_what_the_statistics_say_of_a_query_is_read_once_per_ten_minutes(monkeypatch, oak_catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.search import planner

    clock = [1000.0]
    monkeypatch.setattr(planner.time, "monotonic", lambda: clock[0])

    def explains(q: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            planner.estimate_is_informed(SearchParams(q=q))
        return sum(1 for query in queries.captured_queries if query["sql"].startswith("EXPLAIN"))

    assert explains("oak") == 2  # the "don't know" guess, then the query's own estimate
    assert explains("oak") == 0
    assert explains("board") == 1  # another query: its own estimate, the guess is kept
    clock[0] += planner._STATISTICS_SECONDS + 1
    assert explains("oak") == 2  # the table may have been analysed since


def test_a_newest_id_read_a_minute_ago_still_finds_what_was_listed_or_removed_since(monkeypatch, oak_catalogue):
    from catalog.search import planner

    clock = [1000.0]
    monkeypatch.setattr(planner.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(planner, "estimate_is_informed", lambda params: True)
    monkeypatch.setattr(planner, "match_estimate", lambda where, args, **kw: 10**12)  # a window of a few ids
    _titles, descriptions = oak_catalogue
    newest = planner.newest_product_id()
    stool = ProductFactory(title="Oak stool")  # listed after the id was read
    assert planner.newest_product_id() == newest < stool.pk
    found = product_search(params=search_params_parse({"q": "oak"}), use_cache=False)
    assert found.count == 13 and stool.pk in found.ids
    stool.delete()
    Product.objects.filter(title=descriptions[-1]).delete()  # the newest left, gone: the kept id is too high
    assert product_search(params=search_params_parse({"q": "oak"}), use_cache=False).count == 11
    clock[0] += 61
    assert planner.newest_product_id() < newest


def test_near_miss_titles_only_for_words_nobody_lists(catalogue):
    from catalog.models import SearchWord

    # "mug" in Textiles finds the cosy (its description says mug): a real match, not a fallback.
    result = product_search(params=search_params_parse({"q": "mug", "category": "textiles"}), use_cache=False)
    assert result.count == 1 and not result.typo_fallback
    # "scarf" is a listed word: nothing in Ceramics means the filter excludes it; near-miss titles would be noise.
    result = product_search(params=search_params_parse({"q": "scarf", "category": "ceramics"}), use_cache=False)
    assert result.count == 0 and result.products == [] and not result.typo_fallback
    # A word nobody lists and no vocabulary to correct it from: titles that look like it.
    SearchWord.objects.all().delete()
    result = product_search(params=search_params_parse({"q": "stonewear"}), use_cache=False)
    assert result.typo_fallback and [p.title for p in result.products] == ["Blue stoneware mug"]


def test_cards_load_in_one_query_and_only_what_shoppers_may_see(django_assert_num_queries):
    from catalog.models import Product, ProductImage
    from catalog.selectors import products_by_ids

    shown = ProductFactory(title="Shown bowl")
    photo = ProductImage.objects.create(
        product=shown, original="products/p.jpg", width=8, height=8, is_primary=True,
        renditions={"400": {"jpeg": "r/p-400.jpg", "webp": "r/p-400.webp", "width": 400, "height": 400}},
    )  # fmt: skip
    bare = ProductFactory(title="No photo yet")
    hidden = [
        ProductFactory(status=Product.Status.DRAFT),
        ProductFactory(status=Product.Status.ARCHIVED),
        ProductFactory(vendor=VendorFactory(status=Vendor.Status.SUSPENDED)),
        ProductFactory(vendor=VendorFactory(status=Vendor.Status.PENDING)),
        ProductFactory(vendor=VendorFactory(payouts_enabled=False)),
    ]
    ids = [hidden[0].pk, bare.pk, *[p.pk for p in hidden[1:]], shown.pk]
    # The same rule as the ORM's visible(), which the product pages use.
    assert set(Product.objects.visible().filter(pk__in=ids).values_list("pk", flat=True)) == {bare.pk, shown.pk}
    with django_assert_num_queries(1):
        cards = products_by_ids(ids)
        assert [c.title for c in cards] == ["No photo yet", "Shown bowl"]  # in the order asked
        assert cards[0].primary_image is None and cards[0].vendor.name == bare.vendor.name
        assert cards[1].primary_image == photo and cards[1].primary_image.renditions["400"]["width"] == 400
        assert cards[1].get_absolute_url() == shown.get_absolute_url()


def test_the_exact_phrase_ranks_first():
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Product

    vendor = VendorFactory()
    phrase = ProductFactory(vendor=vendor, title="Hand thrown bowl", description="Stoneware.")
    scattered = ProductFactory(vendor=vendor, title="Thrown bowl, hand glazed", description="Stoneware.")
    # The scattered one is newer and better rated: without the phrase bonus it would lead.
    Product.objects.filter(pk=phrase.pk).update(created_at=timezone.now() - timedelta(days=300))
    Product.objects.filter(pk=scattered.pk).update(rating_avg=Decimal("5.00"), rating_count=9)
    assert _search(q="hand thrown") == ["Hand thrown bowl", "Thrown bowl, hand glazed"]
    # Typed the other way round, neither has the phrase: the newer, better-rated one leads.
    assert _search(q="thrown hand")[0] == "Thrown bowl, hand glazed"
