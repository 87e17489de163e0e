"""The OpenAPI schema's house rules, applied to every operation so no view has to remember them.

- ``AutoSchema`` adds the error answers an operation can really give, each with the one ``Error``
  component (``marketplace.api.ErrorSerializer``): 400 where there is a body or query parameters,
  401 everywhere (wrong token; or sign-in needed), 403 on writes (CSRF, not allowed), 404 where
  there is a path id or a page, 409 where an ``Idempotency-Key`` is taken, 413/415 where there
  is a body, 429 where a throttle applies. What a view declares itself keeps its description.
- ``request_rules`` (postprocessing): control characters and undeclared body fields are refused.
- ``v1_only`` (preprocessing) lists each route once, under its canonical ``/api/v1/`` path.
- ``add_stripe_webhooks`` (postprocessing) describes the Stripe webhook endpoints, which are
  plain Django views (signature, not a token, is their authentication). The views are found by
  walking the URLconf for ``stripe_webhook_view`` views, so the core imports no app.
"""

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular import openapi

from marketplace.api import ErrorSerializer

API_V1 = "/api/v1/"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


FALLBACK = {
    "403": "Not allowed (`permission_denied`, or a domain code)",
    "404": "No such resource, or not yours (`not_found`)",
    "409": "The resource's state doesn't allow this now (`conflict`, or a domain code)",
}


def _error(description: str, **headers) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
    if headers:
        answer["headers"] = headers
    return answer


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self.resolve_serializer(ErrorSerializer, "response")  # registers the Error component
        responses = operation["responses"]
        for status, answer in self._error_answers(operation).items():
            declared = responses.get(status)
            if declared and declared.get("description"):
                answer["description"] = declared["description"]
            responses[status] = answer
        # An error a view declared that the rules above don't cover still gets the one error body.
        for status, declared in responses.items():
            schema = declared.get("content", {}).get("application/json", {}).get("schema")
            if status[0] in "45" and (schema != ERROR_REF or not declared.get("description")):
                responses[status] = _error(declared.get("description") or FALLBACK.get(status, "See `code`."))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_answers(self, operation: dict) -> dict[str, dict]:
        parameters = operation.get("parameters", [])
        query = [p["name"] for p in parameters if p["in"] == "query"]
        has_body = "requestBody" in operation
        security = operation.get("security", [])
        answers = {}
        if has_body or query:
            answers["400"] = _error("Invalid parameters or body (`invalid`, `parse_error`); `errors` names each one")
        if security and {} not in security:
            answers["401"] = _error("Sign-in needed (`not_authenticated`), or the token is wrong or revoked")
        else:
            answers["401"] = _error("A token was sent and it is wrong or revoked (`authentication_failed`)")
        if self.method in UNSAFE:
            answers["403"] = _error(
                "Not allowed (`permission_denied`); with a session cookie, a write without `X-CSRFToken`"
            )
        if any(p["in"] == "path" for p in parameters) or "page" in query:
            answers["404"] = _error("No such resource, or not yours (`not_found`); or a page past the end")
        if any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in parameters):
            answers["409"] = _error("This Idempotency-Key was used with another body (`idempotency_key_reused`)")
        if has_body:
            answers["413"] = _error("The body is over the size limit (`too_large`)")
            answers["415"] = _error("The body's media type isn't accepted (`unsupported_media_type`)")
        if self.view.get_throttles():
            answers["429"] = _error(
                "Too many requests (`throttled`); wait the seconds in `Retry-After`",
                **{"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
            )
        return answers


# ``marketplace.control_characters``: no C0/C1 control in a parameter or a field name; a text field
# may hold tab, CR and LF. Said in the schema so a generated client (or a fuzzer) knows it.
NO_CONTROLS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
NO_CONTROLS_BUT_LINE_BREAKS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def _free_text(schema: dict) -> bool:
    return schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema))


def _forbid_controls(schema, pattern: str) -> None:
    """Add the rule to every free-text string in ``schema``, in place (OpenAPI 3.0 has no ``propertyNames``;
    field names are fixed by ``additionalProperties: false``)."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if _free_text(node):
            node["pattern"] = pattern
        pending.extend(value for key, value in node.items() if key not in ("example", "examples", "default"))


def request_rules(result, generator, request, public):
    """What the API refuses with a 400, said in the schema: control characters in parameters and
    bodies, and body fields a request doesn't declare (``marketplace.api.InputSerializer``); and
    that an answer holds only the fields its component lists."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the request side of each serializer
            _forbid_controls(component, NO_CONTROLS_BUT_LINE_BREAKS)
        # Requests: undeclared fields are refused. Answers: every field is documented (the
        # conformance test would report one that isn't).
        if "properties" in component:
            component.setdefault("additionalProperties", False)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path") and _free_text(parameter.get("schema", {})):
                    parameter["schema"]["pattern"] = NO_CONTROLS
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "$ref" not in media.get("schema", {}):
                    _forbid_controls(media.get("schema", {}), NO_CONTROLS_BUT_LINE_BREAKS)
    return result


def v1_only(endpoints):
    """Each route is mounted under ``/api/v1/`` and its alias ``/api/``: the schema lists the first."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_V1)]


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + str(pattern.pattern), pattern.callback


STRIPE_EVENT = {
    "type": "object",
    "description": "A Stripe Event object, exactly as Stripe sends it (https://docs.stripe.com/api/events/object)",
    "required": ["id", "type"],
    "properties": {
        "id": {"type": "string", "example": "evt_1PqX"},
        "type": {"type": "string", "example": "payment_intent.succeeded"},
        "account": {"type": "string", "description": "The connected account (Connect events)"},
        "livemode": {"type": "boolean"},
        "created": {"type": "integer", "description": "Unix time"},
        "data": {"type": "object", "properties": {"object": {"type": "object", "additionalProperties": True}}},
    },
    "additionalProperties": True,
}


def _webhook_operation(name: str, summary: str) -> dict:
    return {
        "operationId": f"{name}_webhook_receive",
        "summary": summary,
        "description": (
            "Called by Stripe, not by clients. The `Stripe-Signature` header (HMAC-SHA256 of the raw body with the "
            "endpoint's signing secret, at most 5 minutes old) is the authentication; each event is handled once "
            "by its id, and a redelivery answers `replay: true`."
        ),
        "tags": ["webhooks"],
        "security": [{}],
        "parameters": [
            {
                "name": "Stripe-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "`t=<unix time>,v1=<hex HMAC>` as Stripe signs it",
            }
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": STRIPE_EVENT}}},
        "responses": {
            "200": {
                "description": "Received (and handled, or already handled before)",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["received", "replay"],
                            "properties": {"received": {"type": "boolean"}, "replay": {"type": "boolean"}},
                        }
                    }
                },
            },
            "400": _error("The signature check failed, or the body isn't a Stripe event (`bad_signature`)"),
            "413": _error("The body is over the size limit (`too_large`)"),
            "503": _error("Could not handle the event now (`retry_later`); Stripe delivers it again"),
        },
    }


def add_stripe_webhooks(result, generator, request, public):
    """Describe each ``stripe_webhook_view`` mounted under ``/api/v1/`` (marked ``stripe_webhook``)."""
    for route, callback in _routes(get_resolver().url_patterns):
        meta = getattr(callback, "stripe_webhook", None)
        if meta and route.startswith(API_V1):
            result.setdefault("paths", {})[route] = {"post": _webhook_operation(meta["name"], meta["summary"])}
    result["paths"] = dict(sorted(result.get("paths", {}).items()))
    return result
