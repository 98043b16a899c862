"""The customer's self-service on the tracking link, at the policy's thresholds (R-DI-3, R-DI-8, R-AR-2):
confirm, move, cancel, rebook after nobody-home — exactly at the limit, one minute before and after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.channels import selfservice
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.network.models import Policy as PolicyRow
from doorstep.orders.services import order_transition
from doorstep.visits.consent.channel import Channel

pytestmark = pytest.mark.django_db
LINK = Channel.customer_link("刘女士")
CHANGE, CONFIRM, LEAD = 120, 30, 60  # the defaults: customer change notice, confirmation notice, slot lead
CHANGE_CASES = [(CHANGE + 1, True), (CHANGE, True), (CHANGE - 1, False)]  # one minute early, at, one late


def _events(order):  # type: ignore[no-untyped-def]
    return [(e.kind, e.actor_role) for e in order.events.order_by("seq") if e.kind != "create"]


# --- move (R-DI-8) -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("minutes_before", "allowed"), CHANGE_CASES)
def test_move_needs_the_customer_notice_R_DI_8(world, minutes_before, allowed) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(14) - timedelta(minutes=minutes_before)):
        if not allowed:
            with pytest.raises(DomainError) as err:
                selfservice.customer_move(order=order, channel=LINK, start=at(16))
            assert err.value.code == "customer_change_too_late"
            assert "120" in err.value.text() and world.brand.hotline in err.value.text()
            order.refresh_from_db()
            assert order.status == "confirmed" and order.window_start == at(14)  # nothing half-written
            return
        moved = selfservice.customer_move(order=order, channel=LINK, start=at(16))
    assert moved.status == "confirmed" and moved.window_start == at(16)
    assert moved.window_end == at(18)  # Policy.slot_minutes
    kinds = _events(moved)
    assert kinds[-2:] == [("reschedule", "customer"), ("confirm_appointment", "customer")]
    reschedule = moved.events.get(kind="reschedule")
    assert reschedule.data["initiator"] == "customer" and reschedule.data["notice_breach"] is False


def test_move_follows_the_policy_setting_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    PolicyRow.objects.create(brand=world.brand, customer_change_notice_minutes=240)
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(10, 1)), pytest.raises(DomainError) as err:
        selfservice.customer_move(order=order, channel=LINK, start=at(16))
    assert err.value.code == "customer_change_too_late" and "240" in err.value.text()


def test_move_only_to_a_free_time_of_the_same_technician_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    placed(world, status="confirmed", start=at(16))  # the technician's other visit
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(8)):
        offered = [s.start for s in selfservice.customer_slots(order, days=1)]
        assert at(16) not in offered and at(9, 30) in offered
        with pytest.raises(DomainError) as err:
            selfservice.customer_move(order=order, channel=LINK, start=at(16))
    assert err.value.code == "slot_not_offered"


def test_a_staff_reschedule_is_not_held_to_the_customer_notice_R_DI_8(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(13)):
        done = order_transition(
            order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="前一单超时"
        )
    assert done.status == "rescheduled"


# --- confirm (R-DI-3, R-DI-8) --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes_before", "allowed"), [(CONFIRM + 1, True), (CONFIRM, True), (CONFIRM - 1, False)]
)
def test_confirm_the_proposed_time_R_DI_8(world, minutes_before, allowed) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="rescheduled", start=at(14))
    with clock.frozen_at(at(14) - timedelta(minutes=minutes_before)):
        if not allowed:
            with pytest.raises(DomainError) as err:
                selfservice.customer_confirm(order=order, channel=LINK)
            assert err.value.code == "customer_confirm_too_late" and "30" in err.value.text()
            order.refresh_from_db()
            assert order.status == "rescheduled"
            return
        done = selfservice.customer_confirm(order=order, channel=LINK)
    assert done.status == "confirmed" and done.window_start == at(14)
    assert _events(done)[-1] == ("confirm_appointment", "customer")


def test_confirm_the_booked_window_once_a_technician_is_sent_R_DI_3(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", start=at(14))
    with clock.frozen_at(at(8)):
        assert selfservice.choices(order).confirm
        done = selfservice.customer_confirm(order=order, channel=LINK)
    assert done.status == "confirmed" and done.window_start == at(14)


# --- cancel (R-DI-8) -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("minutes_before", "allowed"), CHANGE_CASES)
def test_cancel_needs_the_customer_notice_R_DI_8(world, minutes_before, allowed) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    now = at(14) - timedelta(minutes=minutes_before)
    with clock.frozen_at(now):
        assert selfservice.choices(order).cancel is allowed
        if not allowed:
            with pytest.raises(DomainError) as err:
                selfservice.customer_cancel(order=order, channel=LINK, reason="solved")
            assert err.value.code == "customer_change_too_late"
            order.refresh_from_db()
            assert order.status == "confirmed"
            return
        done = selfservice.customer_cancel(order=order, channel=LINK, reason="solved", note="自己重启好了")
    assert done.status == "cancelled" and "问题已自行解决" in done.cancel_reason
    assert "自己重启好了" in done.cancel_reason
    assert _events(done)[-1] == ("cancel", "customer")
    assert not done.deadlines.filter(state="open").exists()  # the technician's clocks are withdrawn


def test_cancel_needs_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(8)), pytest.raises(DomainError) as err:
        selfservice.customer_cancel(order=order, channel=LINK, reason="")
    assert err.value.code == "reason_required"


def test_cancel_before_any_appointment_needs_no_notice(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched")
    done = selfservice.customer_cancel(order=order, channel=LINK, reason="not_needed")
    assert done.status == "cancelled"


# --- rebook after nobody-home (R-AR-2) -----------------------------------------------------------------
HOME = (23.13, 113.27)  # the fixture technician's home: no travel, so the lead alone decides


@pytest.mark.parametrize(("lead", "allowed"), [(LEAD + 1, True), (LEAD, True), (LEAD - 1, False)])
def test_rebook_a_free_time_after_nobody_home_R_AR_2(world, lead, allowed) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="nobody_home", start=at(9), where=HOME)
    with clock.frozen_at(at(15) - timedelta(minutes=lead)):
        assert selfservice.choices(order).rebook
        if not allowed:
            with pytest.raises(DomainError) as err:
                selfservice.customer_rebook(order=order, channel=LINK, start=at(15))
            assert err.value.code == "slot_not_offered"
            order.refresh_from_db()
            assert order.status == "nobody_home" and order.window_start == at(9)
            return
        done = selfservice.customer_rebook(order=order, channel=LINK, start=at(15))
    assert done.status == "confirmed" and done.window_start == at(15)
    assert _events(done)[-2:] == [("rebook", "customer"), ("confirm_appointment", "customer")]
    assert done.events.get(kind="rebook").data["missed_window"] == [at(9).isoformat()]


def test_choices_follow_the_status(world) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="confirmed", start=at(14))
    with clock.frozen_at(at(8)):
        now = selfservice.choices(order)
    assert (now.confirm, now.move, now.cancel, now.rebook) == (False, True, True, False)
    assert now.change_until == at(12)
    with clock.frozen_at(at(12, 1)):
        late = selfservice.choices(order)
    assert (late.move, late.cancel) == (False, False)
