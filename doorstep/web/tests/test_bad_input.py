"""A table of bad input against every page of the URL conf: whatever a path, a query or a form holds — a
number past 64 bits, a date that does not exist, a negative count, a page of text, another script's name —
the answer is a 4xx (or the page with its error), never a server error.

The URL conf is walked, so a new page is covered the day it is added. The API has its own fuzzing from its
OpenAPI document (``doorstep/api/tests/test_schemathesis.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from doorstep.orders.lifecycle import Status
from doorstep.orders.tests.helpers import order_in

pytestmark = pytest.mark.django_db

HUGE = "9" * 25  # past a 64-bit integer
# what a hostile or careless client puts where a value is expected
BAD_VALUES = (
    HUGE,
    "-1",
    "0",
    "2026-13-45",
    "1e309",
    "NaN",
    "工单" * 400,
    "<script>x</script>",
    "../../etc/passwd",
)
FIELDS = (
    "technician",
    "outlet",
    "pk",
    "id",
    "number",
    "day",
    "date",
    "start",
    "end",
    "window",
    "slot",
    "minutes",
    "quantity",
    "amount",
    "price",
    "fee_code",
    "stars",
    "score",
    "lat",
    "lng",
    "kind",
    "action",
    "reason",
    "note",
    "phone",
    "page",
    "limit",
    "offset",
    "position",
    "method",
    "state",
    "answer",
    "eta",
)
ROLES = ("anonymous", "agent", "dispatcher", "outlet_manager", "technician", "quality", "admin")
FORM_ROLES = ("agent", "outlet_manager", "technician", "admin")  # between them every form is reached


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _pages() -> list[str]:
    """Every page route with its converters, the admin and the API (fuzzed from its schema) apart."""
    return sorted(route for route, _ in _patterns() if not route.startswith(("admin/", "api/", "i18n/", "^")))


def _fill(route: str, value: str, number: str) -> str:
    """The route with each ``<conv:name>`` replaced: ints by the bad number, the rest by the bad text (or by
    a real order number for ``number``, so the form reaches a real order)."""
    out, rest = "", route
    while "<" in rest:
        head, _, tail = rest.partition("<")
        spec, _, rest = tail.partition(">")
        conv, _, name = spec.rpartition(":")
        if conv == "int":
            out += head + (value if value.lstrip("-").isdigit() else HUGE).lstrip("-")
        elif name == "number":
            out += head + number
        else:
            out += head + (value.replace("/", "-") or "x")[:200]
    return "/" + out + rest


@pytest.fixture
def orders(world) -> list[str]:  # type: ignore[no-untyped-def]
    return [order_in(world, Status.ASSIGNED).number, order_in(world, Status.IN_SERVICE).number]


def _client(world, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)  # every failure is listed, not only the first
    if role != "anonymous":
        client.force_login(world.staff[role].user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_no_bad_path_or_query_is_a_server_error(world, orders: list[str], role: str) -> None:  # type: ignore[no-untyped-def]
    client = _client(world, role)
    failures = []
    for route in _pages():
        for value in BAD_VALUES[:4]:
            url = _fill(route, value, orders[0])
            query = {field: value for field in FIELDS}
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append(f"GET {url} → {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", FORM_ROLES)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_no_bad_form_is_a_server_error(world, orders: list[str], role: str, value: str) -> None:  # type: ignore[no-untyped-def]
    client = _client(world, role)
    failures = []
    for number in orders:
        for route in _pages():
            url = _fill(route, "1", number)
            response = client.post(url, {field: value for field in FIELDS})
            if response.status_code >= 500:
                failures.append(f"POST {url} {value[:20]!r} → {response.status_code}")
    assert not failures, "\n".join(failures)
