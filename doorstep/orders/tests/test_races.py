"""Concurrent requests on PostgreSQL: one effect, every other answer a clear refusal, never a server error.

Each race releases 30 threads at once (a ``threading.Barrier``), each with its own database connection,
through the real service or the API test client. Every thread that loses answers with a ``DomainError``
(409 in the API) or the stored response of the winner; no thread raises anything else. PostgreSQL only:
SQLite's IMMEDIATE transactions serialise every writer, so nothing races there (the overlap check is also
tested sequentially in ``dispatch/tests/test_appointment_overlap.py``, on both databases).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from doorstep.api.models import ApiToken
from doorstep.channels.models import PartnerAccount, PartnerOrder
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.services import outlet_accept
from doorstep.dispatch.tests.helpers import NEAR, at, placed
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import intake, order_in, png_data_url
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.signature import signature_capture
from doorstep.visits.diagnosis.charges import charge_add
from doorstep.visits.models import ChargeLine, Payment, PaymentIntent, Signature
from doorstep.visits.payment.take import payment_take
from doorstep.visits.testing import visit_evidence

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need concurrent writers: SQLite serialises every write transaction (IMMEDIATE)",
    ),
]

N = 30


def race(fn: Callable[[int], Any], n: int = N) -> list[tuple[str, Any]]:
    """Run ``fn(i)`` in ``n`` threads released together: ("ok", result) / ("refused", DomainError) /
    ("error", anything else) per thread."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, Any]] = [("error", "did not run")] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = ("ok", fn(i))
        except DomainError as err:
            results[i] = ("refused", err)
        except BaseException as err:  # every other outcome is a failure the test reports
            results[i] = ("error", repr(err))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def copies(order: WorkOrder, n: int = N) -> list[WorkOrder]:
    """The order as ``n`` concurrent requests each read it (one object per thread, one version for all)."""
    return [WorkOrder.objects.get(pk=order.pk) for _ in range(n)]


def outcomes(results: list[tuple[str, Any]]) -> Counter[str]:
    """ok / refused:<code> / error:<what>, counted."""
    return Counter(
        kind if kind == "ok" else f"refused:{value.code}" if kind == "refused" else f"error:{value}"
        for kind, value in results
    )


def only_conflicts(results: list[tuple[str, Any]], *codes: str) -> None:
    errors = [v for k, v in results if k == "error"]
    assert errors == [], errors
    refused = {v.code for k, v in results if k == "refused"}
    assert refused <= set(codes), outcomes(results)
    assert all(v.status == 409 for k, v in results if k == "refused"), outcomes(results)


def events(order: WorkOrder, kind: str) -> int:
    return order.events.filter(kind=kind).count()


# --- the services -----------------------------------------------------------------------------------------
def test_one_technician_is_never_confirmed_for_overlapping_appointments_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    orders = [placed(world, status="assigned", where=NEAR) for _ in range(N)]
    start, end = at(14), at(16)

    def confirm(i: int) -> WorkOrder:
        with clock.frozen_at(at(8)):
            return order_transition(
                order=orders[i], actor=world.actor("outlet_manager"), action="confirm_appointment",
                params={"window_start": start + timedelta(minutes=i), "window_end": end},
            )  # fmt: skip

    results = race(confirm)
    assert outcomes(results)["ok"] == 1, outcomes(results)
    only_conflicts(results, "appointment_overlap")
    assert WorkOrder.objects.filter(technician=world.tech, status=Status.CONFIRMED).count() == 1


def test_one_order_is_assigned_once_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched", where=NEAR)
    read = copies(order)

    def assign(i: int) -> WorkOrder:
        with clock.frozen_at(at(8)):
            return order_transition(
                order=read[i], actor=world.actor("outlet_manager"), action="assign",
                params={"technician": world.tech.pk},
            )  # fmt: skip

    results = race(assign)
    assert outcomes(results)["ok"] == 1, outcomes(results)
    only_conflicts(results, "stale_order")
    assert events(order, "assign") == 1


def test_one_move_from_one_version_R_CO_4(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.TRIAGED)
    read = copies(order)

    def dispatch(i: int) -> WorkOrder:
        return order_transition(
            order=read[i],
            actor=world.actor("dispatcher"),
            action="dispatch",
            params={"outlet": world.outlet.pk},
        )

    results = race(dispatch)
    assert outcomes(results)["ok"] == 1, outcomes(results)
    only_conflicts(results, "stale_order")
    assert events(order, "dispatch") == 1 and order.outlet_offers.count() == 1


def test_the_outlet_accepts_an_offer_once_R_DI_1(world) -> None:  # type: ignore[no-untyped-def]
    order = order_transition(
        order=intake(world),
        actor=world.actor("dispatcher"),
        action="dispatch",
        params={"outlet": world.outlet.pk},
    )

    read = copies(order)
    results = race(lambda i: outlet_accept(order=read[i], actor=world.actor("outlet_manager")))
    assert outcomes(results)["ok"] == 1, outcomes(results)
    only_conflicts(results, "no_open_offer")
    assert events(order, EventKind.OUTLET_ACCEPTED) == 1


def test_a_charge_is_not_added_after_the_order_left_the_site_R_SV_2(world) -> None:  # type: ignore[no-untyped-def]
    """Charges racing the completion: each lands before it or is refused, none after it."""
    order = order_in(world, Status.IN_SERVICE)
    tech = world.actor("technician")
    charge_add(order=order, actor=tech, fee_code="L-REPAIR")
    order.refresh_from_db()
    visit_evidence(order, "complete")
    signed = {"image": png_data_url(), "signer_name": "刘女士"}
    read = copies(order)

    def act(i: int) -> object:
        if i == 0:
            return signature_capture(order=read[i], channel=Channel.customer_link("刘女士"), **signed)
        return charge_add(order=read[i], actor=tech, fee_code="P-CAP")

    results = race(act)
    # a charge that landed first changes the quote, so the signature may be refused for that (R-SV-2)
    only_conflicts(results, "stale_order", "already_signed", "completion_incomplete", "not_on_site")
    order.refresh_from_db()
    completed = order.events.filter(kind="complete").first()
    if completed is not None:
        late = order.events.filter(kind=EventKind.CHARGE_ADDED, seq__gt=completed.seq)
        assert not late.exists() and order.status == Status.COMPLETED
    # the same item added again grows its line (walk finding 20): one line per item, and every charge that
    # landed is one unit on it — none lost, none counted twice
    lines = list(ChargeLine.objects.filter(order=order))
    assert len(lines) == len({line.fee_item_id for line in lines})
    assert sum(line.quantity for line in lines) == order.events.filter(kind=EventKind.CHARGE_ADDED).count()


def test_an_order_is_signed_once_R_CO_1(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    visit_evidence(order, "complete")
    order.refresh_from_db()
    signed = {"image": png_data_url(), "signer_name": "刘女士"}

    read = copies(order)
    results = race(
        lambda i: signature_capture(order=read[i], channel=Channel.customer_link("刘女士"), **signed)
    )
    assert outcomes(results)["ok"] == 1, outcomes(results)
    only_conflicts(results, "stale_order", "already_signed")
    assert Signature.objects.filter(order=order).count() == 1
    assert events(order, EventKind.SIGNED) == 1 and events(order, "complete") == 1


def test_an_electronic_payment_is_charged_and_recorded_once_R_CO_2(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    tech = world.actor("technician")
    charge_add(order=order, actor=tech, fee_code="L-REPAIR")
    visit_evidence(order, "complete")
    order.refresh_from_db()
    signature_capture(
        order=order,
        channel=Channel.customer_link("刘女士"),
        image=png_data_url(),
        signer_name="刘女士",
    )
    order.refresh_from_db()

    read = copies(order)
    results = race(lambda i: payment_take(order=read[i], actor=tech, method="wechat"))
    errors = [v for k, v in results if k == "error"]
    assert errors == [], errors
    assert Payment.objects.filter(order=order).count() == 1 and events(order, "pay") == 1
    intents = PaymentIntent.objects.filter(order=order)
    assert [i.state for i in intents] == [PaymentIntent.State.APPLIED]
    refused = {v.code for k, v in results if k == "refused"}
    assert refused <= {"stale_order", "illegal_move"}, outcomes(results)


# --- the API ------------------------------------------------------------------------------------------------
def _customer(order: WorkOrder):  # type: ignore[no-untyped-def]
    from doorstep.network.actors import Actor

    return Actor.customer(order.customer.name)


def _post(key: str, path: str, body: dict[str, Any], **headers: str) -> Any:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().post(
        f"/api{path}", data=json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}", **extra,
    )  # fmt: skip


ORDER = {
    "brand": "acme", "channel": "partner", "service_type": "install", "customer_name": "黄先生",
    "phone": "139 2222 3333", "province": "广东省", "city": "广州市", "district": "天河区",
    "detail": "体育西路 101 号 8 楼", "model_code": "KFR-35GW", "faults": [], "requirement": "周六上午",
}  # fmt: skip


def _api_race(fn: Callable[[int], Any]) -> list[Any]:
    results = race(fn)
    errors = [v for k, v in results if k != "ok"]
    assert errors == [], errors
    responses = [v for _k, v in results]
    assert all(r.status_code < 500 for r in responses), Counter(r.status_code for r in responses)
    return responses


def test_one_idempotency_key_creates_one_order_and_every_retry_gets_its_answer(world) -> None:  # type: ignore[no-untyped-def]
    _token, key = ApiToken.issue(user=world.staff["agent"].user, name="race")
    responses = _api_race(lambda i: _post(key, "/orders", ORDER, **{"Idempotency-Key": "create-1"}))
    assert WorkOrder.objects.count() == 1
    assert Counter(r.status_code for r in responses) == Counter({201: N})
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == N - 1
    assert len({r.json()["number"] for r in responses}) == 1


def test_one_idempotency_key_adds_one_charge(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    _token, key = ApiToken.issue(user=world.staff["technician"].user, name="race")
    path = f"/orders/{order.number}/charges"
    responses = _api_race(lambda i: _post(key, path, {"fee_code": "L-REPAIR"}, **{"Idempotency-Key": "c-1"}))
    assert ChargeLine.objects.filter(order=order).count() == 1
    assert events(order, EventKind.CHARGE_ADDED) == 1
    assert {r.status_code for r in responses} == {201}


def test_moves_through_the_api_answer_409_to_every_loser(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.TRIAGED)
    _token, key = ApiToken.issue(user=world.staff["dispatcher"].user, name="race")
    path = f"/orders/{order.number}/actions/dispatch"
    responses = _api_race(lambda i: _post(key, path, {"outlet": world.outlet.pk}))
    codes = Counter(r.status_code for r in responses)
    assert codes[200] == 1 and codes[200] + codes[409] == N, codes
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"stale_order", "illegal_move"}
    assert events(order, "dispatch") == 1


def test_an_order_is_assigned_once_through_the_api_even_by_requests_that_read_it_late_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    """Each request reads the order itself: a late one sees it assigned and must not assign it again."""
    order = placed(world, status="dispatched", where=NEAR)
    _token, key = ApiToken.issue(user=world.staff["outlet_manager"].user, name="race")
    path = f"/orders/{order.number}/actions/assign"

    def assign(i: int) -> Any:
        with clock.frozen_at(at(8)):  # a working morning: the technician is on shift
            return _post(key, path, {"technician": world.tech.pk, "reason": "客户要求"})

    responses = _api_race(assign)
    codes = Counter(r.status_code for r in responses)
    assert codes[200] == 1 and codes[409] == N - 1, codes
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"stale_order", "same_technician"}
    assert events(order, "assign") == 1


def test_a_partner_reference_makes_one_order_R_IN_1(world) -> None:  # type: ignore[no-untyped-def]
    _partner, key = PartnerAccount.issue(brand=world.brand, code="jd", name="京东")
    body = {**ORDER, "external_ref": "JD-1"}
    body.pop("brand")
    body.pop("channel")
    responses = _api_race(lambda i: _post(key, "/partner/orders", body))
    codes = Counter(r.status_code for r in responses)
    assert codes[201] == 1 and codes[200] == N - 1, codes
    assert PartnerOrder.objects.count() == 1 and WorkOrder.objects.count() == 1
    assert len({r.json()["number"] for r in responses}) == 1
