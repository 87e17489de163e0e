import re

import pytest

from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _form(category, **overrides):
    data = {
        "title": "Walnut spoon",
        "description": "Carved by hand.",
        "category": category.pk,
        "tags": "walnut, Spoon, walnut",
        "price": "18.00",
        "stock_quantity": "4",
        "processing_days": "0",
        "shipping_override": "",
        "status": "draft",
    }
    return data | overrides


def test_owner_creates_a_product_then_lands_on_its_edit_page(client, vendor_a):
    category = CategoryFactory()
    client.force_login(vendor_a.owner)
    response = client.post("/shops/dashboard/products/new/", _form(category))
    product = Product.objects.get(vendor=vendor_a)
    assert response.status_code == 302
    assert response["Location"] == f"/shops/dashboard/products/{product.pk}/"
    assert product.tags == ["walnut", "spoon"]


def test_invalid_input_is_shown_inline_with_htmx(client, vendor_a):
    product = ProductFactory(vendor=vendor_a)
    client.force_login(vendor_a.owner)
    response = client.post(
        f"/shops/dashboard/products/{product.pk}/",
        _form(product.category, price="0", made_to_order="on", processing_days="0"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="product-form"')
    assert 'aria-invalid="true"' in html or "field-error" in html


def test_made_to_order_needs_processing_days(client, vendor_a):
    category = CategoryFactory()
    client.force_login(vendor_a.owner)
    response = client.post("/shops/dashboard/products/new/", _form(category, made_to_order="on", processing_days="0"))
    assert response.status_code == 200
    assert "days it takes" in response.content.decode()
    assert not Product.objects.exists()


def test_vendor_b_gets_404_on_vendor_as_product_page(client, vendor_a, vendor_b):
    product = ProductFactory(vendor=vendor_a)
    client.force_login(vendor_b.owner)
    assert client.get(f"/shops/dashboard/products/{product.pk}/").status_code == 404
    assert client.post(f"/shops/dashboard/products/{product.pk}/", _form(product.category)).status_code == 404


def test_shoppers_and_anonymous_have_no_product_dashboard(client, shopper):
    assert client.get("/shops/dashboard/products/").status_code == 302
    client.force_login(shopper)
    assert client.get("/shops/dashboard/products/").status_code == 404


def test_list_filters_by_search_and_status(client, vendor_a, vendor_b):
    ProductFactory(vendor=vendor_a, title="Blue mug", status=Product.Status.DRAFT)
    ProductFactory(vendor=vendor_a, title="Green mug")
    ProductFactory(vendor=vendor_b, title="Blue bowl")
    client.force_login(vendor_a.owner)
    html = client.get("/shops/dashboard/products/?q=blue").content.decode()
    assert "Blue mug" in html and "Green mug" not in html and "Blue bowl" not in html
    html = client.get("/shops/dashboard/products/?status=active").content.decode()
    assert "Green mug" in html and "Blue mug" not in html
    fragment = client.get(
        "/shops/dashboard/products/?q=blue", headers={"HX-Request": "true", "HX-Target": "product-table"}
    )
    assert fragment.content.decode().lstrip().startswith('<div id="product-table">')


def test_bulk_publish_touches_only_the_vendors_own_products(client, vendor_a, vendor_b):
    mine = ProductFactory.create_batch(2, vendor=vendor_a, status=Product.Status.DRAFT)
    theirs = ProductFactory(vendor=vendor_b, status=Product.Status.DRAFT)
    client.force_login(vendor_a.owner)
    client.post(
        "/shops/dashboard/products/bulk-status",
        {"action": "publish", "products": [mine[0].pk, mine[1].pk, theirs.pk]},
    )
    assert set(Product.objects.filter(status="active").values_list("pk", flat=True)) == {mine[0].pk, mine[1].pk}
    client.post("/shops/dashboard/products/bulk-status", {"action": "unpublish", "products": [mine[0].pk]})
    assert Product.objects.get(pk=mine[0].pk).status == "draft"


def test_bulk_status_needs_post_and_a_choice(client, vendor_a):
    client.force_login(vendor_a.owner)
    assert client.get("/shops/dashboard/products/bulk-status").status_code == 405
    response = client.post("/shops/dashboard/products/bulk-status", {"action": "publish"}, follow=True)
    assert "Choose some products" in response.content.decode()


def test_another_vendor_gets_404_on_every_photo_action(client, vendor_a, vendor_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.models import ProductImage

    product = ProductFactory(vendor=vendor_a)
    image = ProductImage.objects.create(product=product, original="products/x.jpg", width=10, height=10)
    client.force_login(vendor_b.owner)
    base = f"/shops/dashboard/products/{product.pk}/images"
    upload = {"images": SimpleUploadedFile("a.jpg", b"not really", "image/jpeg")}
    assert client.post(f"{base}/", upload).status_code == 404
    assert client.post(f"{base}/order", {"order": [image.pk]}).status_code == 404
    for action in ("primary", "alt", "delete", "up", "down"):
        assert client.post(f"{base}/{image.pk}", {"action": action, "alt_text": "x"}).status_code == 404
    assert ProductImage.objects.filter(pk=image.pk, alt_text="").exists()
    client.logout()
    assert client.post(f"{base}/{image.pk}", {"action": "delete"}).status_code == 302  # to the login page
    assert client.get(f"{base}/{image.pk}").status_code in (302, 405)


def test_an_image_id_of_another_product_is_404_even_for_its_owner(client, vendor_a):
    from catalog.models import ProductImage

    mine, other = ProductFactory(vendor=vendor_a), ProductFactory(vendor=vendor_a)
    image = ProductImage.objects.create(product=other, original="products/y.jpg", width=10, height=10)
    client.force_login(vendor_a.owner)
    response = client.post(f"/shops/dashboard/products/{mine.pk}/images/{image.pk}", {"action": "delete"})
    assert response.status_code == 404


def test_category_choices_list_each_parent_then_its_children_indented(client, vendor_a):
    home = CategoryFactory(name="Home", slug="home")
    art = CategoryFactory(name="Art", slug="art")
    CategoryFactory(name="Prints", slug="prints", parent=art)
    CategoryFactory(name="Ceramics", slug="ceramics", parent=home)
    CategoryFactory(name="Textiles", slug="textiles", parent=home)
    client.force_login(vendor_a.owner)
    html = client.get("/shops/dashboard/products/new/").content.decode()
    select = html[
        html.index('<select name="category"') : html.index("</select>", html.index('<select name="category"'))
    ]
    labels = re.findall(r"<option value=\"\d*\"[^>]*>([^<]*)</option>", select)
    indent = "\xa0\xa0\xa0"
    assert labels[1:] == ["Art", f"{indent}Prints", "Home", f"{indent}Ceramics", f"{indent}Textiles"]
    # A child category is still a valid choice.
    ceramics = Category.objects.get(slug="ceramics")
    client.post("/shops/dashboard/products/new/", _form(ceramics))
    assert Product.objects.get(vendor=vendor_a).category == ceramics
