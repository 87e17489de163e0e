from django import forms

from .models import Order

FILTER_STATUSES = [("", "All"), ("open", "To do (paid, processing)")] + [
    (value, label)
    for value, label in Order.Status.choices
    if value not in (Order.Status.PENDING_PAYMENT, Order.Status.EXPIRED)
]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=FILTER_STATUSES, required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=100, label="Order number or buyer")


class StatusForm(forms.Form):
    """A shop's move: the status, and for "shipped" the carrier and tracking number."""

    status = forms.ChoiceField(
        choices=[(s, s) for s in (Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED)]
    )
    carrier = forms.CharField(required=False, max_length=60)
    tracking_number = forms.CharField(required=False, max_length=100)
    note = forms.CharField(required=False, max_length=300)


class MessageForm(forms.Form):
    """A message in an order's thread (wt-comms). Length is checked by the service, to say it in words."""

    body = forms.CharField(label="Message", strip=True, widget=forms.Textarea(attrs={"rows": 4}))
