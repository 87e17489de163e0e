from django import forms


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
