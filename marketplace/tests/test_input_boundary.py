"""Control characters in text input are refused at the door with a 400, never a 500 deeper in."""

import pytest

from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return CategoryFactory(name="Ceramics", slug="ceramics")


def _product_form(category, **overrides):
    data = {
        "title": "Walnut spoon",
        "description": "Carved by hand.",
        "category": category.pk,
        "tags": "walnut",
        "price": "18.00",
        "stock_quantity": "4",
        "processing_days": "0",
        "shipping_override": "",
        "status": "draft",
    }
    return data | overrides


@pytest.fixture
def maker(client, vendor_a):
    client.force_login(vendor_a.owner)
    return vendor_a


HTML_QUERIES = [
    "/search?q=%00",
    "/search?q=mug%00",
    "/search?category=%00",
    "/search?q=%01bowl",
    "/search?q=mug%1b%5b2J",  # ESC: terminal escape smuggled into logs
    "/c/ceramics/?q=%00",
    "/c/ceramics/?category=%00",
    "/c/ceramics/?sort=%00",
    "/?q=%00",
    "/search?%00=1",  # in a parameter name too
]
API_QUERIES = [
    "/api/search?q=%00",
    "/api/search?category=%00",
    "/api/products?category=%00",
    "/api/products?vendor=%00",
    "/api/categories?q=%7f",
]


@pytest.mark.parametrize("url", HTML_QUERIES)
def test_control_characters_in_a_page_query_get_the_friendly_400_page(client, settings, category, url):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "characters that can't be used" in html or "characters that can&#x27;t be used" in html
    assert 'class="skip-link"' in html  # the site's layout, not a bare error


@pytest.mark.parametrize("url", API_QUERIES)
def test_control_characters_in_an_api_query_get_the_json_error_body(client, category, url):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "control_characters"


def test_makers_product_search_refuses_a_nul(client, maker, category):
    client.raise_request_exception = False
    response = client.get("/shops/dashboard/products/?q=%00")
    assert response.status_code == 400


def test_ordinary_queries_still_work(client, category):
    ProductFactory(title="Speckled bowl", category=category)
    assert client.get("/search?q=bowl&category=ceramics").status_code == 200
    assert client.get("/search?q=caf%C3%A9+%E2%98%95").status_code == 200  # non-ASCII is not a control character
    assert client.get("/api/search?q=bowl").status_code == 200


def test_a_nul_in_a_url_encoded_form_field_is_refused(client, maker, category):
    from urllib.parse import urlencode

    client.raise_request_exception = False
    response = client.post(
        "/shops/dashboard/products/new/",
        urlencode(_product_form(category, title="Bowl\x00")),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not maker.products.exists()


def test_a_nul_in_a_multipart_form_field_is_refused(client, maker, category):
    client.raise_request_exception = False
    response = client.post(
        "/shops/dashboard/products/new/",
        _product_form(category, description="a\x00b"),  # the test client sends multipart/form-data by default
    )
    assert response.status_code == 400
    assert not maker.products.exists()


def test_line_breaks_and_tabs_in_a_textarea_are_kept(client, maker, category):
    response = client.post(
        "/shops/dashboard/products/new/",
        _product_form(category, description="Line one\r\n\tindented\nLine three"),
    )
    assert response.status_code == 302
    product = maker.products.get()
    assert "\tindented" in product.description


@pytest.mark.parametrize("title", ["Bowl\u0000", "Bowl\u001b[2J", "Bowl\u0085"])
def test_a_control_character_inside_a_json_body_is_refused(client, maker, category, title):
    response = client.post(
        "/api/products",
        {"title": title, "description": "x", "price": "10.00", "stock_quantity": 1, "category_id": category.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not maker.products.exists()


def test_line_breaks_inside_a_json_body_are_kept(client, maker, category):
    response = client.post(
        "/api/products",
        {"title": "Bowl", "description": "a\r\n\tb", "price": "10.00", "stock_quantity": 1, "category_id": category.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert maker.products.get().description == "a\r\n\tb"


# A quoted cookie value may spell a NUL in octal ("\000"): plain ASCII on the wire, a NUL after parsing.
@pytest.mark.parametrize(
    "cookie", ['sessionid="abcdefgh\\000ijkl"', 'sessionid="abcdefgh\\033ijkl"', 'csrftoken="\\000abc"']
)
def test_a_cookie_holding_a_control_character_is_treated_as_absent(client, category, cookie):
    client.raise_request_exception = False
    assert client.get("/", HTTP_COOKIE=cookie).status_code == 200
    assert client.get("/api/cart", HTTP_COOKIE=cookie).status_code == 200
