"""Idempotency-Key on every unsafe API call: stored with the effect, replayed, refused when reused.

Sequential, on both databases; ``orders/tests/test_races.py`` sends one key from 30 threads at once.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from doorstep.api.api import api
from doorstep.api.idempotency import HEADER, IN_PROGRESS_LEASE, REPLAYED
from doorstep.api.models import IdempotentRequest
from doorstep.api.tests.test_orders_api import ORDER, Api
from doorstep.channels.models import PartnerAccount, PartnerOrder
from doorstep.core import clock
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.models import ChargeLine, Consent, Payment


def test_every_unsafe_endpoint_of_the_api_honours_the_key() -> None:
    unsafe = [
        (path, op.view_func.__name__)
        for router_prefix, router in api._routers
        for path, view in router.path_operations.items()
        for op in view.operations
        if set(op.methods) & {"POST", "PUT", "PATCH", "DELETE"}
        if not getattr(op.view_func, "_doorstep_idempotent", False)
    ]
    assert unsafe == []


def test_a_replayed_charge_is_the_stored_answer_and_no_second_line(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    tech = Api(world, "technician")
    path = f"/orders/{order.number}/charges"
    first = tech.call("post", path, {"fee_code": "L-REPAIR"}, **{HEADER: "charge-1"})
    assert first.status_code == 201 and REPLAYED not in first.headers
    again = tech.call("post", path, {"fee_code": "L-REPAIR"}, **{HEADER: "charge-1"})
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.content == first.content
    assert ChargeLine.objects.filter(order=order).count() == 1
    other = tech.call("post", path, {"fee_code": "P-CAP"}, **{HEADER: "charge-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert ChargeLine.objects.filter(order=order).count() == 1
    # without a key, two calls are two charges, as before (the same item adds to its line)
    tech.call("post", path, {"fee_code": "P-CAP"})
    tech.call("post", path, {"fee_code": "P-CAP"})
    assert ChargeLine.objects.filter(order=order).count() == 2
    assert ChargeLine.objects.get(order=order, fee_item__code="P-CAP").quantity == 2


def test_a_refused_call_keeps_no_key_so_the_fixed_call_may_use_it(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.IN_SERVICE)
    tech = Api(world, "technician")
    path = f"/orders/{order.number}/consents"
    refused = tech.call(
        "post",
        path,
        {"kind": "nonsense", "given_by": "刘女士", "source": "phone_agreed"},
        **{HEADER: "consent-1"},
    )
    assert refused.status_code == 422 and not IdempotentRequest.objects.exists()
    body = {"kind": "take_back", "given_by": "刘女士", "source": "phone_agreed"}
    assert tech.call("post", path, body, **{HEADER: "consent-1"}).status_code == 201
    assert tech.call("post", path, body, **{HEADER: "consent-1"}).headers[REPLAYED] == "true"
    assert Consent.objects.filter(order=order).count() == 1


def test_keys_belong_to_their_caller(world) -> None:  # type: ignore[no-untyped-def]
    agent, supervisor = Api(world, "agent"), Api(world, "admin")
    one = agent.call("post", "/orders", ORDER, **{HEADER: "k"})
    two = supervisor.call("post", "/orders", {**ORDER, "phone": "139 2222 4444"}, **{HEADER: "k"})
    assert (one.status_code, two.status_code) == (201, 201) and REPLAYED not in two.headers
    assert WorkOrder.objects.count() == 2


def test_a_key_in_progress_is_409_until_its_lease_runs_out(world) -> None:  # type: ignore[no-untyped-def]
    """A call running outside one transaction (a payment) holds its key while it runs."""
    agent = Api(world, "agent")
    digest = hashlib.sha256(b"POST\0/api/orders\0" + json.dumps(ORDER).encode()).hexdigest()
    row = IdempotentRequest.objects.create(
        scope=f"user:{world.staff['agent'].user.pk}", key="slow", method="POST", path="/api/orders",
        fingerprint=digest, created_at=clock.now(),
    )  # fmt: skip
    busy = agent.call("post", "/orders", ORDER, **{HEADER: "slow"})
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert not WorkOrder.objects.exists()
    # its process died: after the lease the key is taken over
    IdempotentRequest.objects.filter(pk=row.pk).update(created_at=clock.now() - IN_PROGRESS_LEASE * 2)
    assert agent.call("post", "/orders", ORDER, **{HEADER: "slow"}).status_code == 201
    assert WorkOrder.objects.count() == 1


def test_a_key_must_be_short_visible_text(world) -> None:  # type: ignore[no-untyped-def]
    response = Api(world, "agent").call("post", "/orders", ORDER, **{HEADER: "x" * 101})
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"


def test_a_payment_with_a_key_is_taken_once_and_replayed(world) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.services import order_transition
    from doorstep.orders.tests.helpers import add_signature
    from doorstep.visits.diagnosis.charges import charge_add
    from doorstep.visits.testing import visit_evidence

    order = order_in(world, Status.IN_SERVICE)
    charge_add(order=order, actor=world.actor("technician"), fee_code="L-REPAIR")
    visit_evidence(order, "complete")
    add_signature(order)
    order = order_transition(order=order, actor=world.actor("technician"), action="complete")
    tech = Api(world, "technician")
    path = f"/orders/{order.number}/actions/pay"
    first = tech.call("post", path, {"method": "wechat"}, **{HEADER: "pay-1"})
    assert first.status_code == 200, first.content
    again = tech.call("post", path, {"method": "wechat"}, **{HEADER: "pay-1"})
    assert again.status_code == 200 and again.headers[REPLAYED] == "true" and again.content == first.content
    assert Payment.objects.filter(order=order).count() == 1
    assert IdempotentRequest.objects.get(key="pay-1").status == 200


def test_a_partner_push_with_a_key_is_replayed(world) -> None:  # type: ignore[no-untyped-def]
    _account, key = PartnerAccount.issue(brand=world.brand, code="jd", name="京东")
    body = {k: v for k, v in ORDER.items() if k not in ("brand", "channel")} | {"external_ref": "JD-9"}
    partner = Api.__new__(Api)
    from django.test import Client

    partner.client, partner.key = Client(), key
    first = partner.call("post", "/partner/orders", body, **{HEADER: "p-1"})
    again = partner.call("post", "/partner/orders", body, **{HEADER: "p-1"})
    assert (first.status_code, again.status_code) == (201, 201) and again.headers[REPLAYED] == "true"
    assert PartnerOrder.objects.count() == 1
    assert IdempotentRequest.objects.get(key="p-1").scope.startswith("partner:")


@pytest.mark.parametrize("action", ["dispatch"])
def test_a_replayed_move_is_not_made_twice(world, action: str) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, Status.TRIAGED)
    dispatcher = Api(world, "dispatcher")
    path = f"/orders/{order.number}/actions/{action}"
    first = dispatcher.call("post", path, {"outlet": world.outlet.pk}, **{HEADER: "m-1"})
    again = dispatcher.call("post", path, {"outlet": world.outlet.pk}, **{HEADER: "m-1"})
    assert first.status_code == again.status_code == 200 and again.headers[REPLAYED] == "true"
    assert order.events.filter(kind=action).count() == 1
