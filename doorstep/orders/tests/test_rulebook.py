"""The rulebook: every rule of a move declared once, in a fixed order inside the move."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils.module_loading import import_string

from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.dispatch.models import Leave
from doorstep.dispatch.tests.helpers import at, placed
from doorstep.orders import rulebook
from doorstep.orders.lifecycle import MOVES, Action, Status
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.orders.rulebook import Phase, rules_of
from doorstep.orders.services import order_transition
from doorstep.visits.models import Payment

pytestmark = pytest.mark.django_db
RULE_ID = re.compile(r"^R-[A-Z]{2}-\d+(, R-[A-Z]{2}-\d+)*$")


def test_docs_rulebook_is_generated_from_the_declarations() -> None:
    doc = Path(settings.BASE_DIR, "docs", "rulebook.md").read_text(encoding="utf-8")
    assert doc == rulebook.document(), "docs/rulebook.md is stale: run `python manage.py rulebook --write`"


def test_rules_come_only_from_the_apps_declared_lists() -> None:
    declared = []
    for config in apps.get_app_configs():
        path = getattr(config, "rulebook", None)
        if path:
            declared += [(config.label, r.fn) for r in import_string(f"{path}.RULES")]
    assert [(r.app, r.fn) for r in rulebook.rulebook()] == declared
    assert {app for app, _ in declared} == {"orders", "dispatch", "visits", "quality", "channels"}


def test_every_rule_names_its_rule_id_and_what_it_does() -> None:
    for r in rulebook.rulebook():
        assert RULE_ID.match(r.rule), r.name
        assert r.summary, f"{r.name} has no docstring to show in the rulebook"


def test_every_action_has_a_move_and_the_command_prints_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert {m.action for m in MOVES} == set(Action)
    call_command("rulebook", "complete")
    out = capsys.readouterr().out
    assert "doorstep.visits.moves.signed_by_the_customer" in out and "R-CO-1" in out
    assert "## pay" not in out


def test_the_command_refuses_an_unknown_move() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown move"):
        call_command("rulebook", "teleport")


def test_a_refused_guard_writes_nothing_not_even_what_an_earlier_rule_prepared(world) -> None:  # type: ignore[no-untyped-def]
    """PAY: the payment terms are settled by a guard; a refusal leaves no payment, event or status change."""
    order = placed(world, status="completed", start=clock.now() - timedelta(hours=3))
    events = OrderEvent.objects.filter(order=order).count()
    with pytest.raises(DomainError):
        order_transition(
            order=order, actor=world.actor("technician"), action="pay", params={"method": "cash"}
        )
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert not Payment.objects.filter(order=order).exists()
    assert OrderEvent.objects.filter(order=order).count() == events


def test_effects_receive_the_event_of_their_move(world) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, int]] = []

    def spy(ctx: rulebook.MoveContext) -> None:
        """Test spy."""
        assert ctx.event is not None
        seen.append((ctx.event.kind, ctx.event.seq))

    extra = rulebook.effect(Action.TRIAGE, spy, "R-IN-3")
    order = placed(world, status="new")
    declared = rulebook.rulebook()
    with mock.patch.object(rulebook, "rulebook", lambda: (*declared, extra)):
        order_transition(order=order, actor=world.actor("agent"), action="triage")
    last = OrderEvent.objects.filter(order=order).order_by("-seq").first()
    assert last is not None and seen == [("triage", last.seq)]


def test_after_commit_effects_wait_for_the_commit(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    ran: list[str] = []

    def later(ctx: rulebook.MoveContext) -> None:
        """Test spy."""
        ran.append(ctx.order.status)

    extra = rulebook.after_commit(Action.TRIAGE, later, "R-IN-3")
    order = placed(world, status="new")
    declared = rulebook.rulebook()
    with mock.patch.object(rulebook, "rulebook", lambda: (*declared, extra)):
        with django_capture_on_commit_callbacks(execute=True):
            order_transition(order=order, actor=world.actor("agent"), action="triage")
            assert ran == []  # not inside the move's transaction
        assert ran == [Status.TRIAGED]
        other = placed(world, status="new", phone="13900000077")
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            order_transition(order=other, actor=world.actor("agent"), action="triage")
            raise RuntimeError("the surrounding work fails")
    assert ran == [Status.TRIAGED]  # the rolled-back move ran nothing after commit


def test_payment_take_refused_before_the_provider_is_charged(world) -> None:  # type: ignore[no-untyped-def]
    """A move that would be refused (another technician's visit) never reaches the provider."""
    from doorstep.visits.payment import take as payments

    order = placed(world, status="completed", tech=world.other_tech, start=clock.now() - timedelta(hours=3))
    with mock.patch.object(payments, "collect") as charge, pytest.raises(DomainError) as err:
        payments.payment_take(order=order, actor=world.actor("technician"), method="wechat")
    assert err.value.code in ("not_your_visit", "order_not_found") and charge.call_count == 0


def test_guards_run_before_effects_in_declared_order() -> None:
    move = next(m for m in MOVES if m.action == Action.COMPLETE)
    guards = [r.fn.__name__ for r in rules_of(move, Phase.GUARD)]
    assert guards.index("signed_by_the_customer") < guards.index("completion_checked")
    assert all(r.phase == Phase.EFFECT for r in rules_of(move, Phase.EFFECT))


def test_assign_checks_eligibility_on_the_appointment_day_not_today_R_DI_2(world) -> None:  # type: ignore[no-untyped-def]
    """A technician on leave today but working on the appointment day can be assigned, and not vice versa."""
    today = at(9)
    with clock.frozen_at(today):
        from conftest import make_technician

        before = make_technician("tech3", "黄师傅", world.outlet, world.line, "GZ-2024-0003")
        order = placed(world, status="confirmed", start=at(10) + timedelta(days=1), tech=before)
        Leave.objects.create(technician=world.tech, kind="sick", starts_at=at(0), ends_at=at(23, 59))
        order_transition(
            order=order, actor=world.actor("outlet_manager"), action="assign", reason="改派",
            params={"technician": world.tech.pk},
        )  # fmt: skip
        order.refresh_from_db()
        assert order.technician_id == world.tech.pk
        Leave.objects.create(
            technician=before, kind="sick", starts_at=at(0) + timedelta(days=1),
            ends_at=at(23, 59) + timedelta(days=1),
        )  # fmt: skip
        with pytest.raises(DomainError) as err:
            order_transition(
                order=order, actor=world.actor("outlet_manager"), action="assign", reason="改派",
                params={"technician": before.pk},
            )  # fmt: skip
    assert err.value.code == "technician_not_eligible" and "请假" in err.value.text()
    assert WorkOrder.objects.get(pk=order.pk).version == order.version
