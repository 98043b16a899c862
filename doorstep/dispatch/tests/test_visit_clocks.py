"""Leaving and arriving on time are live deadlines the technician owns (R-DI-7, R-AR-5), opened and
closed by the declared moves and acted on by the one sweep exactly at their due time."""

from __future__ import annotations

from datetime import timedelta

from doorstep.core import clock
from doorstep.dispatch.tests.helpers import NEAR, at, placed
from doorstep.network.policy import policy_for
from doorstep.orders.deadlines import deadlines_sweep
from doorstep.orders.events import EventKind
from doorstep.orders.models import Deadline
from doorstep.orders.services import order_transition
from doorstep.visits.testing import visit_evidence

K, S = Deadline.Kind, Deadline.State


def _confirmed(world, start):  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", where=NEAR)
    with clock.frozen_at(at(8)):
        return order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": start, "window_end": start + timedelta(hours=2)},
        )  # fmt: skip


def _clock(order, kind):  # type: ignore[no-untyped-def]
    return Deadline.objects.get(order=order, kind=kind, state__in=Deadline.LIVE)


def test_confirming_opens_departure_and_arrival_owned_by_the_technician_R_DI_7_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, at(14))
    arrival, departure = _clock(order, K.ARRIVAL), _clock(order, K.DEPARTURE)
    assert arrival.due_at == at(14) and arrival.owner == world.tech.staff and arrival.rule == "R-AR-5"
    margin = timedelta(minutes=policy_for(brand=world.brand).early_arrival_minutes)
    assert departure.owner == world.tech.staff and departure.rule == "R-DI-7"
    assert at(13) < departure.due_at <= at(14) - margin  # some minutes of driving, plus the margin


def test_arrival_is_overdue_one_second_after_the_appointment_and_on_the_record_once_R_AR_5(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, at(14))
    with clock.frozen_at(at(14)):  # arriving exactly at the appointment is on time (R-AR-5: late > 0 s)
        deadlines_sweep()
    assert _clock(order, K.ARRIVAL).state == S.OPEN
    with clock.frozen_at(at(14) + timedelta(seconds=1)):
        deadlines_sweep()
        deadlines_sweep()
    assert _clock(order, K.ARRIVAL).state == S.OVERDUE
    overdue = order.events.filter(kind=EventKind.DEADLINE_OVERDUE, data__deadline_kind=K.ARRIVAL)
    assert overdue.count() == 1


def test_departing_and_arriving_meet_them_even_late_R_DI_7(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, at(14))
    tech = world.actor("technician")
    with clock.frozen_at(at(13, 50)):
        deadlines_sweep()  # the departure time has passed: overdue, then met by leaving
        assert _clock(order, K.DEPARTURE).state == S.OVERDUE
        order = order_transition(
            order=order, actor=tech, action="depart", params=visit_evidence(order, "depart")
        )
    with clock.frozen_at(at(13, 59)):
        order = order_transition(order=order, actor=tech, action="arrive")
    states = dict(
        Deadline.objects.filter(order=order, kind__in=[K.DEPARTURE, K.ARRIVAL]).values_list("kind", "state")
    )
    assert states == {K.DEPARTURE: S.MET, K.ARRIVAL: S.MET}


def test_a_reschedule_withdraws_them_and_the_new_confirmation_opens_them_anew_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = _confirmed(world, at(14))
    with clock.frozen_at(at(9)):
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="客户改约",
            params={"requested_by": "customer"},
        )  # fmt: skip
        assert not Deadline.objects.filter(
            order=order, kind__in=[K.ARRIVAL, K.DEPARTURE], state=S.OPEN
        ).exists()
        order = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="confirm_appointment",
            params={"window_start": at(16), "window_end": at(18)},
        )  # fmt: skip
    assert _clock(order, K.ARRIVAL).due_at == at(16)
    assert Deadline.objects.filter(order=order, kind=K.ARRIVAL, state=S.CANCELLED).count() == 1
