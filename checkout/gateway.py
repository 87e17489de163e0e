"""Moved to ``marketplace.payments_gateway`` so that orders (refunds) can call Stripe without importing checkout.

Kept as a re-export: checkout's modules and tests import these names from here.
"""

from marketplace.payments_gateway import (  # noqa: F401
    CANCELLABLE,
    MINIMUM_CHARGE,
    UNREACHABLE,
    CardDeclined,
    Intent,
    PaymentError,
    PaymentGatewayError,
    PaymentsGateway,
    Refund,
    minimum_charge,
    payments_gateway,
)
