from decimal import Decimal

import factory
from allauth.account.models import EmailAddress

from marketplace.accounts.models import User
from vendors.models import Vendor


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=extracted is not False, primary=True)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Kiln Studio {n}")
    slug = factory.Sequence(lambda n: f"kiln-studio-{n}")
    description = "Stoneware made by hand."
    town = "Bath"
    country = "GB"
    latitude = 51.3751
    longitude = -2.36172
    shipping_flat = Decimal("4.50")
    status = Vendor.Status.APPROVED
    stripe_account_id = factory.Sequence(lambda n: f"acct_test{n:06d}")
    charges_enabled = True
    payouts_enabled = True
