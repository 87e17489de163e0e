from decimal import Decimal

import pytest
from django.core import mail

from vendors.models import Vendor, VendorStatusChange
from vendors.services.shops import VendorError, vendor_register, vendor_status_change, vendor_update
from vendors.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _register(owner, **overrides):
    fields = {"name": "Saltmarsh Ceramics", "town": "Totnes", "country": "gb", "shipping_flat": Decimal("4.00")}
    return vendor_register(owner=owner, **(fields | overrides))


def test_registration_places_the_shop_in_its_town_and_waits_for_review(
    shopper, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vendor = _register(shopper)
    assert vendor.status == Vendor.Status.PENDING
    assert vendor.slug == "saltmarsh-ceramics"
    assert vendor.country == "GB"
    assert round(vendor.latitude, 2) == 50.43 and round(vendor.longitude, 2) == -3.68
    assert not vendor.is_visible
    assert [m.to for m in mail.outbox] == [[staff.email]]  # staff hear about the new shop


def test_the_vendor_may_place_the_pin_themselves():
    owner = UserFactory()
    vendor = _register(owner, town="Tiny Hamlet", latitude=50.1, longitude=-5.2)
    assert (vendor.town, vendor.latitude, vendor.longitude) == ("Tiny Hamlet", 50.1, -5.2)


def test_an_unknown_town_without_a_pin_is_refused():
    with pytest.raises(VendorError, match="couldn't find") as exc:
        _register(UserFactory(), town="Atlantis")
    assert exc.value.field == "town"


def test_one_shop_per_user(shopper):
    _register(shopper)
    with pytest.raises(VendorError, match="already have a shop"):
        _register(shopper, name="Second Shop")


def test_shop_names_are_unique_ignoring_case(shopper, other_shopper):
    _register(shopper)
    with pytest.raises(VendorError, match="taken"):
        _register(other_shopper, name="SALTMARSH ceramics")


def test_an_unverified_email_cannot_open_a_shop():
    with pytest.raises(VendorError, match="Verify your email"):
        _register(UserFactory(verified=False))


def test_staff_approve_with_a_reason_audited_and_emailed(vendor_a, staff, django_capture_on_commit_callbacks):
    Vendor.objects.filter(pk=vendor_a.pk).update(status=Vendor.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_status_change(vendor=vendor_a, to_status="approved", reason="Lovely work", by=staff)
    change = VendorStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        "pending",
        "approved",
        "Lovely work",
        staff,
    )
    assert mail.outbox[-1].to == [vendor_a.owner.email]
    assert "Lovely work" in mail.outbox[-1].body
    assert mail.outbox[-1].alternatives[0][1] == "text/html"


def test_status_moves_need_staff_a_reason_and_an_allowed_transition(vendor_a, staff, shopper):
    with pytest.raises(VendorError, match="Only staff"):
        vendor_status_change(vendor=vendor_a, to_status="suspended", reason="x", by=shopper)
    with pytest.raises(VendorError, match="reason"):
        vendor_status_change(vendor=vendor_a, to_status="suspended", reason="  ", by=staff)
    with pytest.raises(VendorError, match="can't be moved"):
        vendor_status_change(vendor=vendor_a, to_status="pending", reason="why", by=staff)
    vendor_status_change(vendor=vendor_a, to_status="suspended", reason="Counterfeit goods", by=staff)
    vendor_a.refresh_from_db()
    assert vendor_a.status == "suspended"
    assert not Vendor.objects.visible().filter(pk=vendor_a.pk).exists()


def test_owner_settings_update_refuses_fields_they_do_not_own(vendor_a):
    with pytest.raises(VendorError, match="can't be changed"):
        vendor_update(vendor=vendor_a, status="approved")
    updated = vendor_update(vendor=vendor_a, on_holiday=True, town="York", country="GB")
    assert updated.on_holiday
    assert round(updated.latitude, 1) == 54.0


def test_negative_shipping_is_refused(vendor_a):
    with pytest.raises(VendorError):
        vendor_update(vendor=vendor_a, shipping_flat=Decimal("-1"))
