from decimal import Decimal

from django import forms

from vendors.models import Vendor


class _ShopFieldsForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    town = forms.CharField(max_length=120, help_text="We place your shop on the map from this.")
    country = forms.CharField(max_length=2, min_length=2, help_text="Two-letter code, e.g. GB, US, FR.")
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    shipping_flat = forms.DecimalField(
        label="Shipping per order", min_value=Decimal("0"), max_digits=12, decimal_places=2, initial=Decimal("0.00")
    )
    free_shipping_over = forms.DecimalField(
        label="Free shipping for orders over",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text="Leave empty if you never ship free.",
    )
    processing_days = forms.IntegerField(label="Days to dispatch", min_value=0, max_value=90, initial=3)
    returns_policy = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)

    def clean_country(self):
        country = self.cleaned_data["country"].upper()
        if not country.isalpha():
            raise forms.ValidationError("Use the two-letter country code, e.g. GB.")
        return country


RESERVED_SLUGS = {"register", "dashboard", "payouts", "api", "new"}


class VendorRegistrationForm(_ShopFieldsForm):
    name = forms.CharField(label="Shop name", max_length=80, min_length=3)
    field_order = ["name", "description", "town", "country"]

    def clean_name(self):
        from django.utils.text import slugify

        name = " ".join(self.cleaned_data["name"].split())
        if slugify(name) in RESERVED_SLUGS:
            raise forms.ValidationError("That name is reserved; choose another.")
        if Vendor.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("That shop name is taken.")
        return name


class VendorSettingsForm(_ShopFieldsForm):
    on_holiday = forms.BooleanField(
        required=False, label="Holiday mode", help_text="Your shop stays visible; buying is paused."
    )
