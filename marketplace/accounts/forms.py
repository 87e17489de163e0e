from django import forms

from .address_rules import AddressInvalid, address_clean, country_choices
from .widgets import PlainSelect


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth calls ``signup`` after creating the user."""

    name = forms.CharField(max_length=150, required=False, label="Your name")

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.save(update_fields=["name"])


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="Token name", help_text="For example: inventory script")


class EmailPreferencesForm(forms.Form):
    """The optional emails. Unticked boxes are absent from a POST: absent means off."""

    email_digest = forms.BooleanField(required=False)
    email_news = forms.BooleanField(required=False)


class AddressForm(forms.Form):
    """A shipping address, checked by ``address_rules.address_clean``: the address book and checkout use this
    one form, so an address accepted by one is accepted by the other."""

    name = forms.CharField(max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    line1 = forms.CharField(
        max_length=200, label="Address", widget=forms.TextInput(attrs={"autocomplete": "address-line1"})
    )
    line2 = forms.CharField(
        max_length=200,
        required=False,
        label="Address line 2",
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        max_length=120, label="Town or city", widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    postcode = forms.CharField(
        max_length=20,
        required=False,
        label="Postcode",
        help_text="Not needed where the country has none.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.ChoiceField(label="Country", widget=PlainSelect(attrs={"autocomplete": "country"}))

    address_fields = ("name", "line1", "line2", "city", "postcode", "country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "Choose a country"), *country_choices()]

    def address_required(self) -> bool:
        """Subclasses may take the address from elsewhere (a saved one at checkout)."""
        return True

    def clean(self):
        cleaned = super().clean()
        if not self.address_required():
            for field in self.address_fields:
                self.errors.pop(field, None)
            return cleaned
        if any(field in self.errors for field in self.address_fields):
            return cleaned
        try:
            values = address_clean(**{f: cleaned.get(f, "") for f in self.address_fields})
        except AddressInvalid as exc:
            for field, message in exc.errors.items():
                self.add_error(field, message)
        else:
            cleaned.update(values)
        return cleaned

    def address_values(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in self.address_fields}


class AddressBookForm(AddressForm):
    label = forms.CharField(max_length=40, required=False, help_text="For you: “Home”, “Work”.")
    is_default = forms.BooleanField(required=False, label="Use this address by default")

    field_order = ["label", "name", "line1", "line2", "city", "postcode", "country", "is_default"]


CONFIRM_WORD = "DELETE"


class AccountDeleteForm(forms.Form):
    """Reviews: keep or remove, no default (the person must choose). Confirmation: the password, or for
    an account without one (signed up through a link), the word DELETE typed out."""

    reviews = forms.ChoiceField(
        label="Your reviews",
        choices=[("keep", "Keep them, shown as by “Former customer”"), ("remove", "Remove them")],
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.CharField(label=f"Type {CONFIRM_WORD} to confirm")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            del self.fields["confirm"]
        else:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That isn't your password.")
        return password

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != CONFIRM_WORD:
            raise forms.ValidationError(f"Type {CONFIRM_WORD} in capitals to confirm.")
        return CONFIRM_WORD
