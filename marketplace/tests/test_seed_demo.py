import pytest
from django.core.management import CommandError, call_command

from catalog.models import Category, Product, ProductImage
from marketplace import demo_data
from marketplace.accounts.models import User
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_browsable_marketplace_once(client, capsys):
    call_command("seed_demo", shops=4, products=30, shoppers=5, verbosity=0)
    assert Category.objects.filter(parent__isnull=True).count() == len(demo_data.CATEGORY_TREE)
    assert Vendor.objects.count() == 4
    assert Product.objects.count() == 30
    assert ProductImage.objects.count() == 30
    assert User.objects.filter(is_staff=True).count() == 1
    # Shops are placed in real towns.
    bath = Vendor.objects.get(town="Bath")
    assert round(bath.latitude, 1) == 51.4

    # Demo logins work (email verified).
    response = client.post("/accounts/login/", {"login": demo_data.SHOPPER_EMAIL, "password": demo_data.DEMO_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session

    # A second run changes nothing.
    call_command("seed_demo", products=30, verbosity=0)
    assert Product.objects.count() == 30
    assert "already loaded" in capsys.readouterr().out

    # Asking for more tops the catalogue up (the benchmark path), adding shops as needed.
    call_command("seed_demo", products=60, shops=6, verbosity=0)
    assert (Product.objects.count(), Vendor.objects.count()) == (60, 6)

    product = Product.objects.visible().first()
    assert client.get(product.get_absolute_url()).status_code == 200


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never runs in production"):
        call_command("seed_demo", verbosity=0)
