import pytest
from rest_framework.test import APIClient

from marketplace.tests.api_tokens import authenticate
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_register_a_shop_through_the_api(api, shopper):
    authenticate(api, shopper)
    shop = {"name": "Copper Wren", "town": "Asheville", "country": "us"}
    response = api.post("/api/vendors/register", {**shop, "status": "approved", "payouts_enabled": True}, format="json")
    assert response.status_code == 400  # status and payouts can't be chosen: refused by name
    assert set(response.json()["errors"]) == {"status", "payouts_enabled"}
    response = api.post("/api/vendors/register", shop, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["payouts_enabled"] is False
    assert body["country"] == "US"


def test_register_refuses_a_second_shop_and_bad_input(api, vendor_a):
    authenticate(api, vendor_a.owner)
    response = api.post("/api/vendors/register", {"name": "Another", "town": "Bath", "country": "GB"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "shop_exists"
    assert "already have a shop" in response.json()["detail"]
    response = api.post("/api/vendors/register", {"name": "X", "town": "Bath", "country": "GBR"}, format="json")
    assert response.status_code == 400
    assert {"name", "country"} <= set(response.json()["errors"])


def test_public_profile_shows_public_fields_only(api, vendor_a):
    body = api.get(f"/api/vendors/{vendor_a.pk}").json()
    assert body["name"] == "Kiln & Co"
    assert "stripe_account_id" not in body and "status" not in body and "owner" not in body


def test_hidden_shops_are_404(api, vendor_a):
    Vendor.objects.filter(pk=vendor_a.pk).update(status=Vendor.Status.SUSPENDED)
    assert api.get(f"/api/vendors/{vendor_a.pk}").status_code == 404


def test_owner_updates_their_shop_and_others_get_404(api, vendor_a, vendor_b):
    authenticate(api, vendor_b.owner)
    assert api.put(f"/api/vendors/{vendor_a.pk}", {"on_holiday": True}, format="json").status_code == 404
    authenticate(api, vendor_a.owner)
    response = api.put(f"/api/vendors/{vendor_a.pk}", {"on_holiday": True, "name": "Renamed"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"name"}  # the name is fixed
    response = api.put(f"/api/vendors/{vendor_a.pk}", {"on_holiday": True}, format="json")
    assert response.status_code == 200
    assert response.json()["on_holiday"] is True
    assert response.json()["name"] == "Kiln & Co"
    assert api.get(f"/api/vendors/{vendor_a.pk}").json()["status"] == "approved"  # the owner sees their status
