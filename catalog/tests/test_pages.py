import pytest

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_home_lists_categories_and_new_arrivals(client):
    product = ProductFactory(title="Speckled mug")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert product.category.name in html
    assert "Speckled mug" in html


def test_a_category_page_lists_products_of_its_descendants(client):
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=ceramics)
    ProductFactory(title="Tall mug", category=mugs)
    ProductFactory(title="Silver ring")
    html = client.get("/c/ceramics/").content.decode()
    assert "Tall mug" in html
    assert "Silver ring" not in html
    assert "1 product" in html


def test_product_page_shows_the_product_and_escapes_its_text(client):
    product = ProductFactory(title="Bowl <script>alert(1)</script>", description="Line one.\n\nLine two.")
    html = client.get(product.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Bowl &lt;script&gt;" in html
    assert "<p>Line one.</p>" in html
    assert product.vendor.name in html


@pytest.mark.parametrize(
    "change",
    [
        {"status": Product.Status.DRAFT},
        {"status": Product.Status.ARCHIVED},
    ],
)
def test_unlisted_products_are_404(client, change):
    product = ProductFactory(**change)
    assert client.get(product.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "vendor_change",
    [{"status": Vendor.Status.SUSPENDED}, {"status": Vendor.Status.PENDING}, {"payouts_enabled": False}],
)
def test_products_of_hidden_shops_are_404_and_missing_from_listings(client, vendor_change):
    product = ProductFactory(title="Hidden vase")
    Vendor.objects.filter(pk=product.vendor_id).update(**vendor_change)
    assert client.get(product.get_absolute_url()).status_code == 404
    assert client.get(product.vendor.get_absolute_url()).status_code == 404
    assert "Hidden vase" not in client.get("/").content.decode()


def test_storefront_lists_the_shops_products(client):
    product = ProductFactory(title="Oak spoon")
    ProductFactory(title="Someone else's spoon")
    html = client.get(product.vendor.get_absolute_url()).content.decode()
    assert "Oak spoon" in html
    assert "Someone else" not in html
