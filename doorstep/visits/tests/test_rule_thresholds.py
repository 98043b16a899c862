"""Visit thresholds exactly at, one unit before and one unit after the policy number (R-AR-1, R-CO-1).

Numbers come from the order's policy (doorstep/core/policy.py); the unit is one second for times and one
try for counts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core import clock
from doorstep.core.errors import DomainError, Invalid
from doorstep.network.policy import policy_of
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.visits.arrival.protocol import customer_called, knock_protocol_gap, knock_start
from doorstep.visits.consent.channel import Channel
from doorstep.visits.consent.drawing import signature_png_data_url
from doorstep.visits.consent.signing import sign_code_send, signature_with_code
from doorstep.visits.models import EscalationTask
from doorstep.visits.testing import appointment_passed, visit_evidence
from doorstep.visits.tests.browsing import sms_code

S = timedelta(seconds=1)


@pytest.mark.parametrize(("offset", "waited"), [(-S, False), (timedelta(0), True), (S, True)])
def test_knock_wait_ends_exactly_at_the_policy_minutes_R_AR_1(world, offset: timedelta, waited: bool) -> None:  # type: ignore[no-untyped-def]
    """R-AR-1: knocking without answer lasts ``knock_call_after_minutes``; the wait is met exactly then."""
    order = order_in(world, "arrived")
    tech = world.actor("technician")
    start = clock.now()
    knock_start(order=order, actor=tech, client_at=start.isoformat())
    customer_called(order=order, actor=tech, answered=False)
    minutes = policy_of(order).knock_call_after_minutes
    gap = knock_protocol_gap(order, start + timedelta(minutes=minutes) + offset)
    assert (gap == "") is waited, gap
    if not waited:
        assert str(minutes) in gap


def _customer_mode(world, order):  # type: ignore[no-untyped-def]
    visit_evidence(order, "complete")
    return Channel.customer_device(world.actor("technician"), "刘女士")


def _sign(order, channel, code: str):  # type: ignore[no-untyped-def]
    return signature_with_code(
        order=order, channel=channel, code=code, image=signature_png_data_url(), signer_name="刘女士"
    )


def _sent_code(order) -> str:  # type: ignore[no-untyped-def]
    return sms_code(order)


@pytest.mark.parametrize(("offset", "valid"), [(-S, True), (timedelta(0), True), (S, False)])
def test_signing_code_is_valid_up_to_its_expiry_inclusive_R_CO_1(
    world, offset: timedelta, valid: bool
) -> None:  # type: ignore[no-untyped-def]
    """R-CO-1: the code works until ``sign_code_minutes`` after sending, that instant included."""
    order = order_in(world, "in_service")
    channel = _customer_mode(world, order)
    sent = sign_code_send(order=order, actor=world.actor("technician"))
    assert sent.expires_at - sent.sent_at == timedelta(minutes=policy_of(order).sign_code_minutes)
    with clock.frozen_at(sent.expires_at + offset):
        if valid:
            assert _sign(order, channel, _sent_code(order)).status == "completed"
        else:
            with pytest.raises(DomainError) as err:
                _sign(order, channel, _sent_code(order))
            assert err.value.code == "sign_code_missing"


@pytest.mark.parametrize("wrong", ["before", "at"])
def test_signing_code_allows_exactly_the_policy_number_of_tries_R_CO_1(world, wrong: str) -> None:  # type: ignore[no-untyped-def]
    """R-CO-1: after ``sign_code_attempts`` - 1 wrong codes the right one still works; after that many, the
    code is spent (one more wrong try would be one unit after: the code is already refused)."""
    order = order_in(world, "in_service")
    channel = _customer_mode(world, order)
    sign_code_send(order=order, actor=world.actor("technician"))
    code = _sent_code(order)
    attempts = policy_of(order).sign_code_attempts
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(attempts - 1 if wrong == "before" else attempts):
        with pytest.raises(Invalid):
            _sign(order, channel, bad)
    if wrong == "before":
        assert _sign(order, channel, code).status == "completed"
        return
    with pytest.raises(DomainError) as err:
        _sign(order, channel, code)
    assert err.value.code == "sign_code_missing"
    with pytest.raises(DomainError) as err:  # one try after: still refused, the code stays spent
        _sign(order, channel, bad)
    assert err.value.code == "sign_code_missing"


def test_nobody_home_is_rebooked_within_exactly_the_policy_hours_R_AR_2(world) -> None:  # type: ignore[no-untyped-def]
    """R-AR-2: after 'nobody home' the desk's rebooking task is due ``rebook_due_hours`` later."""
    order = order_in(world, "arrived")
    appointment_passed(order)  # nobody home counts only once the appointment has come
    tech = world.actor("technician")
    start = clock.now()
    knock_start(order=order, actor=tech, client_at=start.isoformat())
    done = start + timedelta(minutes=policy_of(order).knock_call_after_minutes)
    with clock.frozen_at(done):
        customer_called(order=order, actor=tech, answered=False)
        order_transition(
            order=order, actor=tech, action="nobody_home", reason="无人",
            params={"note_left": "10:02 到达，10:10 离开"},
        )  # fmt: skip
    task = EscalationTask.objects.get(order=order, kind="rebook")
    assert task.due_at is not None
    assert task.due_at - done == timedelta(hours=policy_of(order).rebook_due_hours)


@pytest.mark.parametrize(("offset", "go_anyway"), [(-S, False), (timedelta(0), False), (S, True)])
def test_go_anyway_exactly_when_the_next_retry_would_be_after_the_departure_time_R_DI_5(
    world, offset: timedelta, go_anyway: bool
) -> None:  # type: ignore[no-untyped-def]
    """R-DI-5: an unanswered call at T: the next try is T + ``previsit_call_retry_minutes``. A next try at
    the departure time (appointment − travel − the R-DI-7 margin) or before still reaches the appointment;
    one second later the technician is told to go anyway and the centre gets a task."""
    from doorstep.visits.previsit import _departure, previsit_call

    order = order_in(world, "confirmed")
    departure = _departure(order)
    assert departure is not None
    retry = timedelta(minutes=policy_of(order).previsit_call_retry_minutes)
    with clock.frozen_at(departure - retry + offset):
        state = previsit_call(order=order, actor=world.actor("technician"), answered=False)
    assert state.go_anyway is go_anyway and not state.unreachable
    assert (state.next_at is None) is go_anyway
    tasks = order.escalations.filter(kind=EscalationTask.Kind.GO_ANYWAY).count()
    assert tasks == (1 if go_anyway else 0)


@pytest.mark.parametrize(("calls", "unreachable"), [(-1, False), (0, True), (1, True)])
def test_the_customer_is_unreachable_exactly_at_the_policy_attempts_R_DI_5(
    world, calls: int, unreachable: bool
) -> None:  # type: ignore[no-untyped-def]
    """R-DI-5: ``previsit_call_attempts`` unanswered calls make the customer unreachable (the hotline SMS);
    one call fewer does not."""
    from doorstep.notify.models import Message
    from doorstep.visits.previsit import previsit_call

    order = order_in(world, "confirmed")
    attempts = policy_of(order).previsit_call_attempts
    for _ in range(attempts + calls):
        state = previsit_call(order=order, actor=world.actor("technician"), answered=False)
    assert state.unreachable is unreachable
    sent = Message.objects.filter(order_number=order.number, template="unreachable").count()
    assert sent == (1 if unreachable else 0)
