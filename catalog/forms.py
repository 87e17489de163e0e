from decimal import Decimal

from django import forms

from catalog.models import MAX_PRICE, Category, Product
from catalog.selectors import category_choices


class ProductForm(forms.Form):
    title = forms.CharField(max_length=140)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=10000)
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    tags = forms.CharField(required=False, help_text="Comma-separated, up to 13: e.g. stoneware, mug, blue")
    price = forms.DecimalField(min_value=Decimal("0.01"), max_value=MAX_PRICE, max_digits=12, decimal_places=2)
    stock_quantity = forms.IntegerField(min_value=0, max_value=1_000_000, initial=1, label="In stock")
    made_to_order = forms.BooleanField(required=False, help_text="Made after purchase; stock is not counted.")
    processing_days = forms.IntegerField(min_value=0, max_value=90, initial=0, label="Days to make")
    shipping_override = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        label="Shipping for this item",
        help_text="Leave empty to use your shop's shipping.",
    )
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Parents first, each followed by its children indented (the queryset still validates the choice).
        category = self.fields["category"]
        category.choices = [("", category.empty_label), *category_choices()]

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    @classmethod
    def initial_from(cls, product: Product) -> dict:
        initial = {name: getattr(product, name) for name in cls.base_fields if name != "tags"}
        initial["tags"] = ", ".join(product.tags)
        return initial


class BulkStatusForm(forms.Form):
    action = forms.ChoiceField(choices=[("publish", "Publish"), ("unpublish", "Unpublish")])
    products = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, product_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(pk, pk) for pk in product_ids]
