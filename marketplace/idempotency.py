"""``Idempotency-Key`` on API writes that create money-bearing things (checkouts, payment intents, cart lines).

A client that retries a write after a timeout can't know whether the first attempt happened. With a key,
it doesn't need to: the same key with the same request answers what the first one answered (status and
body, marked ``Idempotent-Replayed: true``); the same key with another request is refused
(409 ``idempotency_key_reused``); the same key while the first is still running is refused too (409
``idempotency_key_in_use``: retry a moment later). Keys belong to the caller (the signed-in or
token user, else the guest's session) and live 24 hours.

What is kept: any answer the view returns below 500. Not kept, so a retry with the same key runs again:
5xx answers, and refusals raised before the view acted (invalid fields, not found, not allowed).

The claim is a row (unique per caller and key) inserted and committed before the view runs, so two
requests racing with one key meet at the database's unique index, not in a cache that may forget.
"""

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from marketplace.models import IdempotencyKey

HEADER = "Idempotency-Key"
# Stripe's length limit; a charset that UUIDs, ULIDs and base64 fit, and nothing that needs escaping.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:+/=-]{8,255}")
LIFETIME = timedelta(hours=24)
# A claim still unanswered after this is taken as a request that died (worker killed, connection cut).
LEASE = timedelta(minutes=5)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 8, "maxLength": 255, "pattern": r"^[A-Za-z0-9_.:+/=-]+$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retry safe: the same key with the same request answers what the first answered "
        "(header `Idempotent-Replayed: true`); with another request, 409 `idempotency_key_reused`; while the "
        "first still runs, 409 `idempotency_key_in_use`. 8 to 255 characters of `A-Z a-z 0-9 _ . : + / = -` "
        "(a UUID is a good key); yours alone (per user, or per session for guests); kept 24 hours. "
        "5xx answers are not kept."
    ),
)


CONFLICT_CODES = ("idempotency_key_reused", "idempotency_key_in_use")


def schema_document_conflicts(result, generator, request, public):
    """drf-spectacular post-processing hook: each operation taking ``Idempotency-Key`` also answers 409 (the key
    reused or in use) and 400 (a malformed key); added here so the views' own ``responses`` stay theirs."""
    error = {"$ref": "#/components/schemas/Error"}  # the one error body (marketplace.api_schema)
    described = {
        "409": f"The {HEADER} was used with another request (`idempotency_key_reused`) or its first request is "
        "still running (`idempotency_key_in_use`).",
        "400": f"Invalid fields, or a malformed {HEADER} (`invalid`, errors under `{HEADER}`).",
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            if not any(p.get("in") == "header" and p.get("name") == HEADER for p in operation.get("parameters", [])):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in described.items():
                if code in responses:  # the operation's own 400/409: say both
                    responses[code]["description"] = f"{responses[code].get('description', '')} {description}".strip()
                else:
                    responses[code] = {"description": description, "content": {"application/json": {"schema": error}}}
    return result


class IdempotencyConflict(Exception):
    """The key can't be used for this request now; ``code`` is the API error code."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True)
class Claim:
    """The caller holds the key: run the request, then ``idempotency_key_finish``."""

    pk: int
    locked_at: datetime


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


def idempotency_key_claim(
    *, scope: str, key: str, request_hash: str, method: str, path: str, now=None
) -> Claim | Replay:
    """Take ``key`` for this request, or say what to answer instead.

    Returns a ``Claim`` (run the request) or a ``Replay`` (the stored answer); raises
    ``IdempotencyConflict`` when the key was used for another request or its first request is
    still running. Precondition: called outside any transaction (no ``ATOMIC_REQUESTS``), so the
    claim commits before the request runs and a racing request sees it at once.
    """
    now = now or timezone.now()
    fresh = {"request_hash": request_hash, "method": method, "path": path[:255], "response_status": None,
             "response_body": "", "locked_at": now, "created_at": now}  # fmt: skip
    with transaction.atomic():
        row, created = IdempotencyKey.objects.select_for_update().get_or_create(scope=scope, key=key, defaults=fresh)
        if created:
            return Claim(pk=row.pk, locked_at=now)
        if row.created_at <= now - LIFETIME:  # expired but not purged yet: a new key
            IdempotencyKey.objects.filter(pk=row.pk).update(**fresh)
            return Claim(pk=row.pk, locked_at=now)
        if row.request_hash != request_hash:
            raise IdempotencyConflict(
                "idempotency_key_reused",
                f"This {HEADER} was used with another request; use a new key for a new request.",
            )
        if row.response_status is None:
            if row.locked_at > now - LEASE:
                raise IdempotencyConflict(
                    "idempotency_key_in_use",
                    f"A request with this {HEADER} is still being processed; retry in a moment.",
                )
            IdempotencyKey.objects.filter(pk=row.pk).update(locked_at=now)  # its first request died
            return Claim(pk=row.pk, locked_at=now)
        return Replay(status=row.response_status, body=row.response_body)


def idempotency_key_finish(*, claim: Claim, response_status: int, body: str) -> None:
    """Keep the answer for replay, or (5xx) let the key go so a retry runs again.

    Only while the claim is still ours: a request that outlived its lease doesn't overwrite the
    one that took the key over.
    """
    mine = IdempotencyKey.objects.filter(pk=claim.pk, locked_at=claim.locked_at, response_status__isnull=True)
    if response_status >= 500:
        mine.delete()
    else:
        mine.update(response_status=response_status, response_body=body)


def idempotency_key_release(*, claim: Claim) -> None:
    """The request was refused before it acted (or failed): forget the key, a retry runs again."""
    IdempotencyKey.objects.filter(pk=claim.pk, locked_at=claim.locked_at, response_status__isnull=True).delete()


def idempotency_keys_purge(*, now=None) -> int:
    """Delete keys older than 24 hours (periodic). Returns how many went."""
    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=now - LIFETIME).delete()
    return deleted


# --- The view side ---------------------------------------------------------------------------------


def _caller_scope(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    session = request.session
    if not session.session_key:
        # A guest's first write: give them a session now, so the key (and the cart it makes) are theirs.
        session.save()
        session.modified = True
    return "session:" + hashlib.sha256(session.session_key.encode()).hexdigest()[:64]


def _request_hash(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a form body: QueryDict
        data = {name: values for name, values in data.lists()}
    match = request._request.resolver_match
    # The operation, not the literal path: /api/v1/... and its /api/... alias are one operation.
    operation = [match.url_name, sorted(match.kwargs.items())] if match and match.url_name else request.path
    blob = json.dumps(
        [request.method, operation, sorted(request.query_params.lists()), data], sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _refused(code: str, detail: str, http_status: int, **extra):
    # Imported here: marketplace.api imports DRF's views, whose settings import marketplace.api back.
    from marketplace.api import error_response

    return error_response(code, detail, http_status, **extra)


def _replayed(replay: Replay):
    from django.http import HttpResponse

    response = HttpResponse(replay.body, status=replay.status, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_func):
    """Honour ``Idempotency-Key`` on a DRF view's unsafe methods. Goes under ``@api_view``/on the method,
    so authentication and throttling have run and ``request.user`` is the caller; add ``PARAMETER`` to the
    operation's ``extend_schema``. Without the header, the view runs as before."""

    @functools.wraps(view_func)
    def wrapper(*args, **kwargs):
        request = args[1] if len(args) > 1 and hasattr(args[1], "query_params") else args[0]
        key = request.headers.get(HEADER)
        if request.method in SAFE_METHODS or key is None:
            return view_func(*args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            return _refused(
                "invalid",
                f"{HEADER} is 8 to 255 characters of letters, digits and _ . : + / = -.",
                status.HTTP_400_BAD_REQUEST,
                errors={HEADER: ["Use 8 to 255 characters of letters, digits and _ . : + / = - (a UUID fits)."]},
            )
        request_hash = _request_hash(request)  # parses the body: a malformed one is a 400 before any claim
        try:
            outcome = idempotency_key_claim(
                scope=_caller_scope(request), key=key, request_hash=request_hash, method=request.method,
                path=request.path,
            )  # fmt: skip
        except IdempotencyConflict as exc:
            return _refused(exc.code, str(exc), status.HTTP_409_CONFLICT)
        if isinstance(outcome, Replay):
            return _replayed(outcome)
        try:
            response = view_func(*args, **kwargs)
        except BaseException:
            idempotency_key_release(claim=outcome)
            raise
        body = JSONRenderer().render(response.data) if isinstance(response, Response) else response.content
        idempotency_key_finish(claim=outcome, response_status=response.status_code, body=body.decode())
        return response

    return wrapper
