from decimal import Decimal

import factory

from catalog.models import Category, Product
from vendors.tests.factories import VendorFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Stoneware mug {n}")
    slug = factory.Sequence(lambda n: f"stoneware-mug-{n}")
    description = "Wheel-thrown.\n\nDishwasher safe."
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("28.00")
    stock_quantity = 5
    status = Product.Status.ACTIVE
