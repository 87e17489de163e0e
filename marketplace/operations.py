"""The operations page of the staff dashboard (``admin:operations``): everything that needs a human, with the
action that resolves it.

The core knows no app: each app describes its own kinds of trouble in a ``staff_operations.py`` module
(autodiscovered like ``admin.py``, see ``StaffAdminConfig.ready``) and registers them here. A kind lists
its open items through the app's selectors and resolves them through the app's services; this module
only checks permissions, records what staff did in the admin log, and renders the page.

Every action is a POST naming the kind, the action and the item, answered with a redirect back to the
page (a reload never repeats it). The services behind the actions are idempotent, so a double click
does the work once; the second click is told the item was already handled.

Who may do what (``user.has_perm`` on these concrete permissions; a list needs its view permission):

- Transfers to shops that failed for good: view ``checkout.view_followup``; retry ``checkout.change_followup``.
- Emails that failed for good: view ``checkout.view_followup``; send again ``checkout.change_followup``.
- Payment alerts (last 30 days): view ``checkout.view_paymentrecord``; links only.
- Open disputes: view ``orders.view_dispute``; links only (disputes are answered at Stripe).
- Amount mismatches, reconciliation differences: view ``orders.view_reconciliationissue``; resolve with a note
  ``orders.change_reconciliationissue``.
- Orders past their processing time: view ``orders.view_order``; nudge the shop ``orders.change_order``; cancel
  and refund ``orders.add_orderrefund`` (the permission refunds already need).
- Stripe events that failed: view ``marketplace.view_stripeevent``; reprocess ``marketplace.change_stripeevent``.

The money-moving ones (retry a transfer, cancel and refund) belong to the finance role.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

logger = logging.getLogger(__name__)

# How many items of one kind the page shows; the section links to the full list.
ITEMS_SHOWN = 50


class OperationRefused(Exception):
    """The action can't be done on this item (any more); the message is for the staff member."""


class AlreadyDone(Exception):
    """Nothing to do: the item was resolved already (a double click, or another staff member first).
    Not an error and not logged; the message is for the staff member."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Item:
    """One thing that needs a human. ``target`` identifies it to the kind's actions (usually a pk)."""

    target: str
    title: str
    detail: str = ""
    when: object = None
    links: tuple[Link, ...] = ()
    # Names of the kind's actions offered on this item (all of them when empty).
    actions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Action:
    """What resolves an item. ``run(target=, by=, note=)`` returns a message for the staff member, or raises
    ``OperationRefused``. ``permission`` is a concrete ``app_label.codename`` checked with ``has_perm``."""

    name: str
    label: str
    permission: str
    run: Callable[..., str]
    # The model whose admin log gets the entry, and the object: ``log_object(target)`` (None: no object).
    log_object: Callable[[str], object] | None = None
    needs_note: bool = False


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    help: str
    view_permission: str
    items: Callable[[], list[Item]]
    actions: tuple[Action, ...] = ()
    # The admin changelist holding all of them (a URL, or a callable giving one: reversing needs the URLconf).
    changelist: Callable[[], str] | None = None
    order: int = 100

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)


@dataclass
class Section:
    kind: Kind
    items: list[Item] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    more: bool = False
    changelist_url: str = ""


_KINDS: dict[str, Kind] = {}


def operations_register(kind: Kind) -> Kind:
    """Register (or replace, on a module reload) one kind of trouble for the operations page."""
    _KINDS[kind.key] = kind
    return kind


def operations_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.title))


def operations_sections(user) -> list[Section]:
    """The kinds ``user`` may see, each with its open items (at most ``ITEMS_SHOWN``)."""
    sections = []
    for kind in operations_kinds():
        if not user.has_perm(kind.view_permission):
            continue
        items = list(kind.items())
        sections.append(
            Section(
                kind=kind,
                items=items[:ITEMS_SHOWN],
                more=len(items) > ITEMS_SHOWN,
                actions=[a for a in kind.actions if user.has_perm(a.permission)],
                changelist_url=kind.changelist() if kind.changelist else "",
            )
        )
    return sections


def _log(*, user, kind: Kind, action: Action, target: str, note: str, outcome: str) -> None:
    obj = action.log_object(target) if action.log_object else None
    if obj is None:
        return
    text = f"Operations: {action.label} — {outcome}"
    if note:
        text += f" (note: {note})"
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=CHANGE,
        change_message=text[:1000],
    )


def operations_perform(*, user, kind_key: str, action_name: str, target: str, note: str = "") -> str:
    """Run one action for ``user``; raises ``PermissionDenied`` without the permission, ``OperationRefused``
    when the item can't be resolved so. Returns the message for the staff member; what was done (not a
    no-op on an item resolved already) goes into the admin log."""
    kind = _KINDS.get(kind_key)
    action = kind.action(action_name) if kind else None
    if action is None:
        raise OperationRefused("Unknown action.")
    if not (user.has_perm(kind.view_permission) and user.has_perm(action.permission)):
        raise PermissionDenied(f"{action.label} needs the {action.permission} permission.")
    note = " ".join(note.split())[:300]
    if action.needs_note and not note:
        raise OperationRefused("Write a note saying what was done.")
    try:
        outcome = action.run(target=target, by=user, note=note)
    except AlreadyDone as exc:
        return str(exc)
    _log(user=user, kind=kind, action=action, target=target, note=note, outcome=outcome)
    logger.info("Operations: %s did %s/%s on %s: %s", user.pk, kind_key, action_name, target, outcome)
    return outcome


def operations_view(request, *, admin_site):
    """GET: the page. POST: one action, then back to the page (Post/Redirect/Get)."""
    url = reverse("admin:operations", current_app=admin_site.name)
    if request.method == "POST":
        try:
            outcome = operations_perform(
                user=request.user,
                kind_key=request.POST.get("kind", ""),
                action_name=request.POST.get("action", ""),
                target=request.POST.get("target", ""),
                note=request.POST.get("note", ""),
            )
        except OperationRefused as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, outcome)
        return HttpResponseRedirect(f"{url}#{request.POST.get('kind', '')}")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not request.user.is_active or not request.user.is_staff:
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": "Operations: what needs a human",
        "sections": operations_sections(request.user),
    }
    return TemplateResponse(request, "admin/operations.html", context)


# --- The core's own kind: Stripe events whose handling failed ----------------------------------------------


def _failed_events() -> list[Item]:
    from marketplace.stripe_webhooks import stripe_events_failed

    items = []
    for event in stripe_events_failed()[: ITEMS_SHOWN + 1]:
        url = reverse("admin:marketplace_stripeevent_change", args=[event.pk])
        items.append(
            Item(
                target=str(event.pk),
                title=f"{event.type} {event.event_id}",
                detail=event.error[:300] or "not handled yet (no error recorded)",
                when=event.received_at,
                links=(Link("Stored event", url),),
            )
        )
    return items


def _reprocess(*, target: str, by, note: str) -> str:
    from marketplace.models import StripeEvent
    from marketplace.stripe_webhooks import WebhookRetry, stripe_event_reprocess

    try:
        handled = stripe_event_reprocess(event_pk=int(target))
    except (ValueError, StripeEvent.DoesNotExist) as exc:
        raise OperationRefused("No such event.") from exc
    except WebhookRetry as exc:
        raise OperationRefused(f"Failed again: {exc}") from exc
    if not handled:
        raise AlreadyDone("Event was already handled; nothing done.")
    return "Event handled."


def _event(target: str):
    from marketplace.models import StripeEvent

    return StripeEvent.objects.filter(pk=target).first() if target.isdigit() else None


operations_register(
    Kind(
        key="webhooks",
        title="Stripe events that failed",
        help="Webhook events stored but not handled: the handler failed, or they have waited over 15 minutes.",
        view_permission="marketplace.view_stripeevent",
        items=_failed_events,
        actions=(
            Action(
                name="reprocess",
                label="Reprocess",
                permission="marketplace.change_stripeevent",
                run=_reprocess,
                log_object=_event,
            ),
        ),
        changelist=lambda: reverse("admin:marketplace_stripeevent_changelist") + "?processed=no",
        order=50,
    )
)
