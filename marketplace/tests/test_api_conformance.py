"""Schemathesis over every operation of /api/schema/: the answers are what the schema says they are.

In-process (WSGI), once anonymously and once with a real API token, positive and negative data,
every check schemathesis has (no 5xx; status codes, bodies, headers and content types as
documented; bad input refused, good input accepted...). Examples per operation and mode are
bounded (``EXAMPLES``) and derandomized, so the run is repeatable and stays well under a minute.
Every failure of every operation is collected, then the test fails listing them: nothing skips.

Driven through hypothesis directly rather than ``schemathesis.pytest.from_fixture``: that
loader reads a pytest-internal attribute pytest 9 no longer has.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.http import HttpResponse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from catalog.tests.factories import CategoryFactory, ProductFactory
from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

EXAMPLES = 10  # per operation, per mode (positive, negative), per caller

# Deliberate exceptions (docs/api.md, "Deliberate exceptions"): where a schema-valid request may still
# be refused with a 400, for a reason a schema can't state. Each is narrow: the other checks still run.
ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def _also_400(**where) -> dict:
    return {**where, "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTANCE, "400"]}}}


EXCEPTIONS = [
    # Search checks what depends on the data or on each other: an unknown category or town,
    # price_min above price_max, sort=distance without a location.
    _also_400(**{"include-path": "/api/v1/search"}),
    # A shop's town must be one the geocoder knows (it places the shop on the map).
    _also_400(**{"include-path": "/api/v1/vendors/register"}),
    # A postcode's format depends on the country chosen (GB "SW1A 1AA", US "12345"...), and an address
    # names a country by its ISO code, which the schema states as a two-letter string.
    _also_400(**{"include-path-regex": "^/api/v1/addresses(/[^/]+)?$"}),
    # Stripe signs its webhooks; a fuzzer can't, so every body it makes is refused (400 bad_signature).
    _also_400(**{"include-path-regex": "^/api/v1/payments/(connect-)?webhook$"}),
]


@pytest.fixture
def world(vendor_a):
    """Something to find: a category, products on sale, a shop."""
    category = CategoryFactory(name="Ceramics", slug="ceramics")
    for _ in range(3):
        ProductFactory(vendor=vendor_a, category=category)
    return vendor_a


def _api_schema():
    config = SchemathesisConfig.from_dict({"generation": {"deterministic": True}, "operations": EXCEPTIONS})
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)


def conformance_run(headers: dict[str, str], *, path: str | None = None) -> tuple[int, int, list[str]]:
    """``(operations, cases, failures)`` of one pass over the schema (or one ``path``) with these headers."""
    # Django's test client keeps the test's connection across requests; schemathesis calls the WSGI
    # app directly, whose request signals would close it (and end the test's transaction) otherwise.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return _run(headers, path)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(headers: dict[str, str], path: str | None) -> tuple[int, int, list[str]]:
    schema = _api_schema()
    operations, cases, failures = 0, 0, []
    checks = CHECKS.get_all()
    for result in schema.get_all_operations():
        operation = result.ok()
        if path and operation.path != path:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as is
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                nonlocal cases
                cases += 1
                case.call_and_validate(headers=headers, checks=checks)

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to negate (no parameters, no body): no negative case exists
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, reported below
                failures.append(f"{operation.label} [{mode.value}]:\n{exc}")
    return operations, cases, failures


def test_every_operation_answers_as_documented_to_a_guest(world):
    operations, cases, failures = conformance_run({})
    print(f"guest: {operations} operations, {cases} cases, {len(failures)} failing")
    assert operations >= 30 and cases >= operations * 2
    assert not failures, "\n\n".join(failures)


def test_every_operation_answers_as_documented_to_a_token(world, shopper):
    _, key = api_token_create(user=shopper, name="conformance")
    operations, cases, failures = conformance_run({"Authorization": f"Token {key}"})
    print(f"token: {operations} operations, {cases} cases, {len(failures)} failing")
    assert operations >= 30 and cases >= operations * 2
    assert not failures, "\n\n".join(failures)


def test_the_run_fails_when_an_answer_breaks_the_schema(world, monkeypatch):
    """The checker itself: an undocumented field, status or error body is reported, not skipped."""
    from catalog.api import views

    class CamelCase(views.CategorySerializer):
        def to_representation(self, instance):
            return {**super().to_representation(instance), "parentId": instance.parent_id}

    monkeypatch.setattr(views.CategoryList, "serializer_class", CamelCase)
    operations, cases, failures = conformance_run({}, path="/api/v1/categories")
    assert operations == 1 and cases > 0
    assert failures and "parentId" in failures[0]

    monkeypatch.setattr(views.CategoryList, "get", lambda self, request: HttpResponse("teapot", status=418))
    assert conformance_run({}, path="/api/v1/categories")[2]
