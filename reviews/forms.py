"""Forms parse what was posted; the services decide (and their refusals land on the field they name)."""

from django import forms

from .models import MAX_PHOTOS, REASON_MAX, REPLY_MAX, TEXT_MAX, TITLE_MAX, ReviewReport

STARS = [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input; how many and what they hold is for the service to judge."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReviewForm(forms.Form):
    rating = forms.ChoiceField(
        choices=STARS,
        widget=forms.RadioSelect,
        label="Your rating",
        error_messages={
            "required": "Choose a rating from 1 to 5 stars.",
            "invalid_choice": "Choose a rating from 1 to 5 stars.",
        },
    )
    title = forms.CharField(
        required=False, strip=False, label="Title", widget=forms.TextInput(attrs={"maxlength": TITLE_MAX})
    )
    text = forms.CharField(
        required=False,
        strip=False,
        label="Your review",
        help_text=f"Plain text, up to {TEXT_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX}),
    )


class ReviewWithPhotosForm(ReviewForm):
    photos = PhotosField(required=False, label="Photos", help_text=f"Up to {MAX_PHOTOS}, JPG or PNG.")


class ReplyForm(forms.Form):
    text = forms.CharField(
        strip=False,
        label="Your reply",
        help_text="Shown publicly under the review.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": REPLY_MAX}),
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=ReviewReport.Reason.choices, widget=forms.RadioSelect, label="What's wrong?")
    note = forms.CharField(required=False, max_length=REASON_MAX, label="Anything to add?")


def add_service_error(form: forms.Form, exc) -> None:
    """A service refusal on its field when the form has one, else above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))
