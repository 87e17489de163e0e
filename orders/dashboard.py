"""The orders app's figures on the staff dashboard (see ``marketplace.dashboard``).

Money comes from the ledger, which records what actually moved and when (a sale at payment, the platform
fee with it, fees returned with each refund), so each money figure links to exactly the ledger lines it
adds up, and only staff who may read the ledger (finance) see it.
"""

from decimal import Decimal

from marketplace.dashboard import ATTENTION, SALES, Figure, Panel, Result, per_day_total, register
from marketplace.money import round_money

from .models import Dispute
from .selectors import (
    dashboard_ledger_per_day,
    dashboard_orders_paid_per_day,
    open_disputes,
    orders_past_processing_time,
)


def _sales_lines(period):
    return {"account__exact": "shop", "kind__exact": "sale", **period.between("created_at")}


def _fee_lines(period):
    return {"account__exact": "platform", "kind__in": "platform_fee,fee_return", **period.between("created_at")}


def _refund_lines(period):
    return {"account__exact": "shop", "kind__in": "refund,dispute", **period.between("created_at")}


def _ledger(period) -> dict:
    days = dashboard_ledger_per_day(start=period.start, end=period.end)
    gmv, sales, fees, refunded, refunds = ({day: row[key] for day, row in days.items()}
                                           for key in ("gmv", "sales", "fees", "refunded", "refunds"))  # fmt: skip
    total_gmv, total_sales = per_day_total(gmv), per_day_total(sales)
    return {
        "refunded": Result(round_money(per_day_total(refunded)), refunded),
        "refunds": Result(per_day_total(refunds), refunds),
        "gmv": Result(round_money(total_gmv), gmv),
        "platform_fees": Result(round_money(per_day_total(fees)), fees),
        # Per order (one shop's part of a checkout), the unit shops and the ledger count in.
        "average_order": Result(round_money(Decimal(total_gmv) / total_sales) if total_sales else None),
    }


register(
    Panel(
        section=SALES,
        position=10,
        figures=(
            Figure("gmv", "Sales (GMV)", "orders.view_ledgerentry", "orders.ledgerentry", _sales_lines,
                   fmt="money", chart=True, help="What shoppers paid for goods and shipping, before refunds."),
            Figure("platform_fees", "Platform fees kept", "orders.view_ledgerentry", "orders.ledgerentry",
                   _fee_lines, fmt="money", chart=True, help="Fees taken on sales less fees returned with refunds."),
            Figure("average_order", "Average order value", "orders.view_ledgerentry", "orders.ledgerentry",
                   _sales_lines, fmt="money", help="Sales divided by orders paid (one order per shop)."),
            Figure("refunded", "Refunded", "orders.view_ledgerentry", "orders.ledgerentry", _refund_lines,
                   fmt="money", chart=True, help="Money given back (lost disputes too), on the day it went back."),
            Figure("refunds", "Refunds", "orders.view_ledgerentry", "orders.ledgerentry", _refund_lines,
                   help="Refunds made (one per shop's order and refund)."),
        ),
        compute=_ledger,
    )
)  # fmt: skip


def _orders(period) -> dict:
    per_day = dashboard_orders_paid_per_day(start=period.start, end=period.end)
    return {"orders": Result(per_day_total(per_day), per_day)}


register(
    Panel(
        section=SALES,
        position=20,
        figures=(
            Figure("orders", "Orders paid", "orders.view_order", "orders.order",
                   lambda period: period.between("paid_at"), chart=True,
                   help="One order per shop in a checkout, counted on the day it was paid."),
        ),
        compute=_orders,
    )
)  # fmt: skip


register(
    Panel(
        section=ATTENTION,
        position=10,
        figures=(
            Figure("orders_overdue", "Orders past their processing time", "orders.view_order", "orders.order",
                   lambda period: {"overdue": "yes"}, help="Paid, not shipped, older than the shop's processing time."),
            Figure("disputes_open", "Open disputes", "orders.view_dispute", "orders.dispute",
                   lambda period: {"status__in": ",".join(Dispute.OPEN)},
                   help="Chargebacks still to answer or waiting on the bank, whenever they were opened."),
        ),
        compute=lambda period: {
            "orders_overdue": Result(orders_past_processing_time().count()),
            "disputes_open": Result(open_disputes().count()),
        },
    )
)  # fmt: skip
