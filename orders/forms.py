from decimal import Decimal

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


class RefundForm(forms.Form):
    """A refund from the shop's order page: the whole order, chosen items (``qty_<item pk>``) or an amount.

    ``key`` is rendered into the page once: a double click posts the same key and makes one refund.
    """

    MODES = [("full", "The whole order"), ("items", "Chosen items"), ("amount", "An amount")]

    mode = forms.ChoiceField(choices=MODES)
    amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(required=False, max_length=300)
    key = forms.CharField(max_length=64)

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        for item in order.items.all() if order else ():
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(required=False, min_value=0, max_value=item.quantity)

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "amount" and not data.get("amount"):
            self.add_error("amount", "Give the amount to refund.")
        if mode == "items":
            data["items"] = {int(name[4:]): value for name, value in data.items() if name.startswith("qty_") and value}
            if not data["items"]:
                raise forms.ValidationError("Choose how many of which items to refund.")
        return data

    def refund_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"request_key": data["key"], "reason": data.get("reason") or ""}
        if data["mode"] == "items":
            kwargs["items"] = data["items"]
        elif data["mode"] == "amount":
            kwargs["amount"] = data["amount"]
        return kwargs


class CancelForm(forms.Form):
    key = forms.CharField(max_length=64)
    reason = forms.CharField(required=False, max_length=300)
