import threading

import pytest
from django.db import connection

from marketplace.accounts.address_rules import AddressInvalid, address_clean
from marketplace.accounts.models import Address
from marketplace.accounts.services import AccountError, address_create, address_delete, address_make_default

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
WORK = {"name": "Sasha Shopper", "line1": "9 Quay", "city": "Bristol", "postcode": "BS1 4DJ", "country": "GB"}


def _form(**changes):
    return {**HOME, "label": "", **changes}


# --- Per-country rules: one function, used by the book and by checkout ----------------------------


@pytest.mark.parametrize(
    ("country", "postcode", "kept"),
    [
        ("GB", "ba1 1aa", "BA1 1AA"),
        ("US", "94103", "94103"),
        ("US", "94103-1234", "94103-1234"),
        ("FR", "75001", "75001"),
        ("DE", "10115", "10115"),
        ("NL", "1012 ab", "1012 AB"),
        ("CA", "K1A 0B1", "K1A 0B1"),
        ("HK", "", ""),  # no postcodes there: optional
    ],
)
def test_postcodes_in_the_formats_of_their_country_are_accepted(country, postcode, kept):
    assert address_clean(**{**HOME, "country": country.lower(), "postcode": postcode})["postcode"] == kept


@pytest.mark.parametrize(
    ("country", "postcode", "field"),
    [
        ("GB", "12345", "postcode"),
        ("US", "BA1 1AA", "postcode"),
        ("US", "", "postcode"),  # the US uses postcodes: required
        ("FR", "7500", "postcode"),
        ("DE", "101150", "postcode"),
        ("ZZ", "1", "country"),
        ("", "1", "country"),
    ],
)
def test_a_postcode_or_country_that_cannot_be_is_refused_on_its_field(country, postcode, field):
    with pytest.raises(AddressInvalid) as refused:
        address_clean(**{**HOME, "country": country, "postcode": postcode})
    assert field in refused.value.errors


def test_blank_and_control_characters_are_refused_per_field():
    with pytest.raises(AddressInvalid) as refused:
        address_clean(name=" ", line1="1 High\x00St", city="", postcode="BA1 1AA", country="GB")
    assert set(refused.value.errors) == {"name", "line1", "city"}


# --- The book: create, change, default ------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_address_is_the_default_and_making_another_default_moves_it(shopper):
    home = address_create(user=shopper, fields=HOME, label="Home")
    work = address_create(user=shopper, fields=WORK, label="Work")
    assert home.is_default and not work.is_default
    address_make_default(address=work)
    assert list(Address.objects.filter(user=shopper, is_default=True)) == [work]


@pytest.mark.django_db
def test_deleting_the_default_promotes_the_oldest_remaining(shopper):
    home = address_create(user=shopper, fields=HOME)
    work = address_create(user=shopper, fields=WORK)
    address_delete(address=home)
    work.refresh_from_db()
    assert work.is_default


@pytest.mark.django_db
def test_the_same_address_is_not_saved_twice_and_a_full_book_is_refused(shopper):
    first = address_create(user=shopper, fields=HOME)
    assert address_create(user=shopper, fields={**HOME, "postcode": "ba1  1aa"}) == first
    for n in range(Address.MAX_PER_USER - 1):
        address_create(user=shopper, fields={**WORK, "line1": f"{n} Quay"})
    with pytest.raises(AccountError):
        address_create(user=shopper, fields={**WORK, "line1": "One too many"})


@pytest.mark.django_db(transaction=True)
def test_concurrent_make_default_leaves_exactly_one_default(shopper):
    addresses = [address_create(user=shopper, fields={**WORK, "line1": f"{n} Quay"}) for n in range(4)]
    barrier = threading.Barrier(len(addresses))
    failures = []

    def make_default(address):
        try:
            barrier.wait()
            address_make_default(address=address)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=make_default, args=(a,)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_default(shopper):
    from django.db import IntegrityError, transaction

    address_create(user=shopper, fields=HOME)
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=shopper, is_default=True, **WORK)


# --- Pages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_edit_default_and_delete_through_the_pages(client, shopper):
    client.force_login(shopper)
    assert client.get("/account/addresses/").status_code == 200
    response = client.post("/account/addresses/new", _form(label="Home"))
    assert response.status_code == 302
    home = Address.objects.get(user=shopper)
    client.post("/account/addresses/new", _form(**WORK, label="Work"))
    work = Address.objects.get(user=shopper, label="Work")

    page = client.get("/account/addresses/").content.decode()
    assert "1 High St" in page and "9 Quay" in page

    assert client.post(f"/account/addresses/{home.pk}/edit", _form(line1="2 High St", label="Home")).status_code == 302
    home.refresh_from_db()
    assert home.line1 == "2 High St"

    assert client.post(f"/account/addresses/{work.pk}/default").status_code == 302
    work.refresh_from_db()
    assert work.is_default

    assert client.post(f"/account/addresses/{home.pk}/delete").status_code == 302
    assert list(Address.objects.filter(user=shopper)) == [work]


@pytest.mark.django_db
def test_htmx_buttons_get_the_list_back(client, shopper):
    address_create(user=shopper, fields=HOME)
    work = address_create(user=shopper, fields=WORK)
    client.force_login(shopper)
    response = client.post(f"/account/addresses/{work.pk}/default", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="address-book"') and "<html" not in body


@pytest.mark.django_db
def test_a_bad_postcode_is_shown_on_its_field(client, shopper):
    client.force_login(shopper)
    response = client.post("/account/addresses/new", _form(country="US", postcode="BA1 1AA"))
    assert response.status_code == 422
    assert "That isn" in response.content.decode() and "postcode in United States" in response.content.decode()
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_another_shoppers_address_is_404_on_every_page(client, shopper, other_shopper):
    theirs = address_create(user=other_shopper, fields=HOME)
    client.force_login(shopper)
    assert client.get(f"/account/addresses/{theirs.pk}/edit").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/edit", _form(line1="Mine now")).status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/default").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/delete").status_code == 404
    assert Address.objects.get(pk=theirs.pk).line1 == "1 High St"
    assert "1 High St" not in client.get("/account/addresses/").content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_and_get_is_refused_on_buttons(client, shopper):
    address = address_create(user=shopper, fields=HOME)
    assert client.get("/account/addresses/").status_code == 302
    client.force_login(shopper)
    assert client.get(f"/account/addresses/{address.pk}/delete").status_code == 405


@pytest.mark.django_db
def test_the_form_over_htmx_answers_with_the_form_or_a_redirect(client, shopper):
    client.force_login(shopper)
    htmx = {"HX-Request": "true"}
    refused = client.post("/account/addresses/new", _form(postcode="nope"), headers=htmx)
    body = refused.content.decode()
    assert refused.status_code == 422 and body.lstrip().startswith("<form") and "<html" not in body
    saved = client.post("/account/addresses/new", _form(), headers=htmx)
    assert saved.status_code == 200 and saved["HX-Redirect"] == "/account/addresses/"
    assert Address.objects.filter(user=shopper).count() == 1
