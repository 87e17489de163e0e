""" "Visible to shoppers", one rule in three forms: the ORM filter, the SQL fragment of the raw search
statements, and the check on an instance. They must agree on every case the rule distinguishes."""

import pytest

from catalog.models import VISIBLE_SQL, Product
from catalog.search import product_search, search_params_parse
from catalog.selectors import fetch_rows
from catalog.tests.factories import ProductFactory
from vendors.models import Vendor, vendor_visible_sql
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

# (product status, shop status, payouts enabled, on holiday) -> seen by shoppers?
CASES = {
    "listed": (Product.Status.ACTIVE, Vendor.Status.APPROVED, True, False, True),
    "shop on holiday (browsable, not buyable)": (Product.Status.ACTIVE, Vendor.Status.APPROVED, True, True, True),
    "draft product": (Product.Status.DRAFT, Vendor.Status.APPROVED, True, False, False),
    "archived product": (Product.Status.ARCHIVED, Vendor.Status.APPROVED, True, False, False),
    "shop pending review": (Product.Status.ACTIVE, Vendor.Status.PENDING, True, False, False),
    "shop suspended": (Product.Status.ACTIVE, Vendor.Status.SUSPENDED, True, False, False),
    "payouts not set up": (Product.Status.ACTIVE, Vendor.Status.APPROVED, False, False, False),
    "draft in a suspended shop": (Product.Status.DRAFT, Vendor.Status.SUSPENDED, False, True, False),
}


@pytest.fixture
def products() -> dict[str, Product]:
    made = {}
    for name, (status, shop_status, payouts, holiday, _seen) in CASES.items():
        vendor = VendorFactory(status=shop_status, payouts_enabled=payouts, on_holiday=holiday)
        made[name] = ProductFactory(vendor=vendor, status=status, title=f"Walnut spoon ({name})")
    return made


def _names(products, pks) -> set[str]:
    return {name for name, product in products.items() if product.pk in set(pks)}


def test_the_orm_sql_and_instance_forms_agree_on_every_case(products):
    expected = {name for name, case in CASES.items() if case[-1]}
    orm = _names(products, Product.objects.visible().values_list("pk", flat=True))
    joined = "SELECT p.id FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id"
    sql = _names(products, [row[0] for row in fetch_rows(f"{joined} WHERE {VISIBLE_SQL}", [])])
    instance = {name for name, product in products.items() if Product.objects.get(pk=product.pk).is_visible}
    assert orm == sql == instance == expected


def test_shops_agree_too(products):
    expected = {products[name].vendor_id for name, case in CASES.items() if case[1] == "approved" and case[2]}
    orm = set(Vendor.objects.visible().values_list("pk", flat=True))
    rows = fetch_rows(f"SELECT v.id FROM vendors_vendor v WHERE {vendor_visible_sql('v')}", [])  # noqa: S608
    sql = {row[0] for row in rows}
    instance = {vendor.pk for vendor in Vendor.objects.all() if vendor.is_visible}
    assert orm == sql == instance == expected


def test_search_and_shops_near_a_place_use_the_rule(products):
    expected = {name for name, case in CASES.items() if case[-1]}
    found = product_search(params=search_params_parse({"q": "walnut spoon"}), use_cache=False)
    assert _names(products, found.ids) == expected
    # Near Bath: the shops in range come from a separate statement on the shops alone.
    near = product_search(params=search_params_parse({"q": "walnut", "near": "Bath, GB"}), use_cache=False)
    assert _names(products, near.ids) == expected
