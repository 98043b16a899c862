"""Before the visit: the call not answered (R-DI-5), the customer who refuses the visit (R-DI-6), and the
rebooking with a more senior technician after a refused entry (R-DI-10), through services and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.core import clock
from doorstep.core.errors import DomainError, Invalid
from doorstep.dispatch.eligibility import technician_ineligibility
from doorstep.network.models import Seniority, Technician
from doorstep.network.policy import policy_of
from doorstep.notify.models import Message
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.tests.factories import TechnicianFactory
from doorstep.visits.models import EscalationTask
from doorstep.visits.previsit import call_state, previsit_call, visit_consented, visit_refused
from doorstep.visits.testing import visit_evidence

S = timedelta(seconds=1)


def _sms(order: WorkOrder) -> int:
    return Message.objects.filter(order_number=order.number, template="unreachable").count()


def _go_tasks(order: WorkOrder) -> int:
    return order.escalations.filter(kind=EscalationTask.Kind.GO_ANYWAY).count()


# --- R-DI-5 ----------------------------------------------------------------------------------------------
def test_an_unanswered_call_is_retried_after_the_policy_interval_R_DI_5(world) -> None:  # type: ignore[no-untyped-def]
    """R-DI-5: not answered → try again ``previsit_call_retry_minutes`` later; no SMS, no task yet."""
    order = order_in(world, "confirmed")
    policy = policy_of(order)
    now = clock.now()
    with clock.frozen_at(now):
        state = previsit_call(order=order, actor=world.actor("technician"), answered=False)
    assert state.unanswered == 1 and not state.go_anyway and not state.unreachable
    assert state.next_at == now + timedelta(minutes=policy.previsit_call_retry_minutes)
    call = order.events.get(kind=EventKind.CUSTOMER_CALLED)
    assert call.rule == "R-DI-5" and call.data["stage"] == "before" and call.data["attempt"] == 1
    assert _sms(order) == 0 and _go_tasks(order) == 0


def test_an_answered_call_resets_the_count_and_sends_nothing_R_DI_5(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    previsit_call(order=order, actor=tech, answered=False)
    state = previsit_call(order=order, actor=tech, answered=True)
    assert state.answered and state.unanswered == 0 and not state.go_anyway
    assert _sms(order) == 0


def test_the_last_attempt_unanswered_sends_the_hotline_sms_once_and_tells_the_centre_R_DI_5(world) -> None:  # type: ignore[no-untyped-def]
    """R-DI-5: after ``previsit_call_attempts`` unanswered calls the customer is unreachable: the standard
    SMS with the local hotline goes out through the outbox (the ``unreachable`` notice), and the centre
    gets one task; one attempt fewer and neither happens."""
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    attempts = policy_of(order).previsit_call_attempts
    for _ in range(attempts - 1):
        state = previsit_call(order=order, actor=tech, answered=False)
    assert not state.unreachable and _sms(order) == 0 and _go_tasks(order) == 0
    state = previsit_call(order=order, actor=tech, answered=False)
    assert state.unreachable and state.go_anyway and state.next_at is None
    msg = Message.objects.get(order_number=order.number, template="unreachable")
    assert world.centre.hotline in msg.text or world.outlet.phone in msg.text
    task = order.escalations.get(kind=EscalationTask.Kind.GO_ANYWAY)
    assert task.rule == "R-DI-5" and task.owner is not None and task.owner.role in ("agent", "supervisor")
    previsit_call(order=order, actor=tech, answered=False)  # one more: still one SMS, one task
    assert _sms(order) == 1 and _go_tasks(order) == 1


def test_a_call_only_before_departure_R_DI_5(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "arrived")
    with pytest.raises(DomainError):
        previsit_call(order=order, actor=world.actor("technician"), answered=False)


def test_the_technician_page_walks_not_answered_retry_go_anyway_R_DI_5(world, client) -> None:  # type: ignore[no-untyped-def]
    """R-DI-5 on the technician's page: not answered shows when to retry; when the next retry would be
    after the departure time it says go anyway, and the desk's task list shows the centre's task."""
    order = order_in(world, "confirmed")
    client.force_login(world.staff["technician"].user)
    url = reverse("visits:step", args=[order.number, "previsit_call"])
    page = client.get(reverse("visits:visit", args=[order.number])).content.decode()
    assert 'id="previsit-call-form"' in page
    state = call_state(order)
    assert state is None
    departure = _departure(order)
    retry = timedelta(minutes=policy_of(order).previsit_call_retry_minutes)
    with clock.frozen_at(departure - 2 * retry):
        client.post(url, {"answered": "no"})
        page = client.get(reverse("visits:visit", args=[order.number])).content.decode()
    assert "1/3" in page and clock.local(departure - retry).strftime("%H:%M") in page
    with clock.frozen_at(departure - retry + S):
        client.post(url, {"answered": "no"})
        page = client.get(reverse("visits:visit", args=[order.number])).content.decode()
    assert 'id="call-state"' in page and clock.local(departure).strftime("%H:%M") in page
    assert _go_tasks(order) == 1 and _sms(order) == 0
    client.force_login(world.staff["agent"].user)
    tasks = client.get(reverse("visits:tasks")).content.decode()
    assert order.number in tasks


def _departure(order: WorkOrder):  # type: ignore[no-untyped-def]
    from doorstep.visits.previsit import _departure as departure

    at = departure(order)
    assert at is not None
    return at


# --- R-DI-6 ----------------------------------------------------------------------------------------------
def test_a_refused_visit_blocks_departure_until_consent_is_recorded_R_DI_6(world) -> None:  # type: ignore[no-untyped-def]
    """R-DI-6: the customer refuses; departing is refused; consent (who, when, how) unblocks it."""
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    visit_refused(order=order, actor=tech, refused_by="刘女士", note="上次维修没修好，很生气，不要来了")
    params = visit_evidence(order, "depart")
    with pytest.raises(DomainError) as refused:
        order_transition(order=order, actor=tech, action="depart", params=params)
    assert refused.value.code == "visit_refused" and "刘女士" in str(refused.value)
    assert WorkOrder.objects.get(pk=order.pk).status == "confirmed"
    with pytest.raises(Invalid):
        visit_consented(order=order, actor=tech, given_by="刘女士", how="somehow")
    visit_consented(order=order, actor=tech, given_by="刘女士", how="phone", note="解释后同意上门")
    consent = order.events.get(kind=EventKind.VISIT_CONSENTED)
    assert (
        consent.rule == "R-DI-6" and consent.data["given_by"] == "刘女士" and consent.data["how"] == "phone"
    )
    assert consent.data["at"]
    done = order_transition(
        order=WorkOrder.objects.get(pk=order.pk), actor=tech, action="depart", params=params
    )
    assert done.status == "en_route"


def test_a_refusal_on_the_way_blocks_arrival_R_DI_6(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "en_route")
    tech = world.actor("technician")
    visit_refused(order=order, actor=tech, refused_by="刘先生", note="不方便")
    with pytest.raises(DomainError):
        order_transition(order=order, actor=tech, action="arrive")
    visit_consented(order=order, actor=tech, given_by="刘先生", how="in_person")
    assert order_transition(order=order, actor=tech, action="arrive").status == "arrived"


def test_consent_without_refusal_and_refusal_without_text_are_refused_R_DI_6(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    tech = world.actor("technician")
    with pytest.raises(DomainError):
        visit_consented(order=order, actor=tech, given_by="刘女士", how="phone")
    with pytest.raises(Invalid):
        visit_refused(order=order, actor=tech, refused_by="刘女士", note=" ")
    assert not order.events.filter(kind__in=[EventKind.VISIT_REFUSED, EventKind.VISIT_CONSENTED]).exists()


def test_refusal_and_consent_through_the_technician_page_R_DI_6(world, client) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "confirmed")
    client.force_login(world.staff["technician"].user)
    step = lambda name: reverse("visits:step", args=[order.number, name])  # noqa: E731
    client.post(step("visit_refused"), {"refused_by": "刘女士", "note": "不要来"})
    page = client.get(reverse("visits:visit", args=[order.number])).content.decode()
    assert 'id="consent-form"' in page and "R-DI-6" in page
    client.post(step("visit_consented"), {"given_by": "刘女士", "how": "desk"})
    page = client.get(reverse("visits:visit", args=[order.number])).content.decode()
    assert 'id="consent-form"' not in page and 'id="refusal-form"' in page


# --- R-DI-10 ---------------------------------------------------------------------------------------------
def _senior(world, level: int, username: str) -> Technician:  # type: ignore[no-untyped-def]
    tech = TechnicianFactory.create(
        outlet=world.outlet, staff__user__username=username, lines=[world.line], seniority=level
    )
    return tech


def test_refused_entry_rebooks_only_with_a_strictly_more_senior_technician_R_DI_10(world) -> None:  # type: ignore[no-untyped-def]
    """R-DI-10: the customer refused entry to an intermediate technician: the order goes back to the outlet
    and dispatch eligibility takes only a strictly more senior one (an equal one is refused)."""
    Technician.objects.filter(pk=world.tech.pk).update(seniority=Seniority.INTERMEDIATE)
    order = order_in(world, "arrived")
    equal = _senior(world, Seniority.INTERMEDIATE, "equal")
    senior = _senior(world, Seniority.SENIOR, "senior")
    done = order_transition(
        order=order,
        actor=world.actor("technician"),
        action="entry_refused",
        reason="客户说工程师太年轻，不让进门",
        params={"refusal": "doubted_qualification"},
    )
    assert done.status == "dispatched" and done.technician_id is None
    assert done.senior_than == Seniority.INTERMEDIATE
    event = done.events.get(kind=EventKind.ENTRY_REFUSED)
    assert event.rule == "R-DI-10" and event.data["seniority"] == Seniority.INTERMEDIATE
    task = done.escalations.get(kind=EscalationTask.Kind.SENIOR_REBOOK)
    assert task.state == "open"
    today = clock.today()
    assert any("R-DI-10" in why for why in technician_ineligibility(order=done, technician=equal, on=today))
    assert technician_ineligibility(order=done, technician=world.tech, on=today)
    assert not [
        w for w in technician_ineligibility(order=done, technician=senior, on=today) if "R-DI-10" in w
    ]
    manager = world.actor("outlet_manager")
    with pytest.raises(DomainError):
        order_transition(order=done, actor=manager, action="assign", params={"technician": equal.pk})
    assigned = order_transition(order=done, actor=manager, action="assign", params={"technician": senior.pk})
    assert assigned.technician_id == senior.pk
    task.refresh_from_db()
    assert task.state == "done"


def test_entry_refused_needs_the_kind_and_a_reason_R_DI_10(world) -> None:  # type: ignore[no-untyped-def]
    order = order_in(world, "arrived")
    with pytest.raises(Invalid):
        order_transition(
            order=order, actor=world.actor("technician"), action="entry_refused", reason="不让进", params={}
        )
    assert WorkOrder.objects.get(pk=order.pk).status == "arrived"


def test_the_board_lists_the_refused_technician_as_not_eligible_R_DI_10(world, client) -> None:  # type: ignore[no-untyped-def]
    """R-DI-10 on the order page's technician choice: the refused technician is shown with the reason."""
    order = order_in(world, "arrived")
    order_transition(
        order=order,
        actor=world.actor("technician"),
        action="entry_refused",
        reason="拒绝入户",
        params={"refusal": "refused_entry"},
    )
    client.force_login(world.staff["outlet_manager"].user)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "R-DI-10" in page
