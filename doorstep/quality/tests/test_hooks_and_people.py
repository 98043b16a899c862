"""Hooks of the quality capability on the lifecycle: staff-written reasons are checked for forbidden phrases
(R-LG-2) and lapsed mandatory training blocks assignment (R-QA-7 → R-DI-2); live typing hints (R-LG-2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from conftest import World
from doorstep.core import clock
from doorstep.core.errors import DomainError
from doorstep.network.models import TrainingRecord
from doorstep.orders.lifecycle import Status
from doorstep.orders.services import order_transition
from doorstep.orders.tests.helpers import order_in
from doorstep.quality.models import LanguageFlag
from doorstep.quality.services.language import language_flag_dismiss


def test_a_move_reason_written_by_staff_is_checked_with_positions_and_suggestions_R_LG_2(
    world: World,
) -> None:
    order = order_in(world, Status.CONFIRMED)
    order_transition(
        order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="配件没到，我没办法"
    )
    (flag,) = LanguageFlag.objects.filter(order=order)
    assert flag.source == "event_reason" and flag.author == world.staff["outlet_manager"]
    assert (flag.start, flag.end, flag.matched_text) == (5, 9, "我没办法") and flag.suggestions
    assert flag.source_ref.startswith("event:")


def test_a_clean_reason_raises_no_flag(world: World) -> None:
    order = order_in(world, Status.CONFIRMED)
    order_transition(
        order=order, actor=world.actor("outlet_manager"), action="reschedule", reason="客户临时出差"
    )
    assert not LanguageFlag.objects.exists()


def test_a_dismissed_false_positive_is_not_flagged_again_R_LG_2(world: World) -> None:
    first = order_in(world, Status.CONFIRMED)
    text = "我不知道他几点下班，改约到周末"
    order_transition(order=first, actor=world.actor("outlet_manager"), action="reschedule", reason=text)
    flag = LanguageFlag.objects.get(order=first)
    language_flag_dismiss(flag=flag, actor=world.actor("quality"), note="转述客户原话")
    second = order_in(world, Status.CONFIRMED)
    order_transition(order=second, actor=world.actor("outlet_manager"), action="reschedule", reason=text)
    assert not LanguageFlag.objects.filter(order=second).exists()


def test_live_suggestions_while_typing_return_hits_for_the_textarea(world: World) -> None:
    client = Client()
    client.force_login(world.staff["agent"].user)
    page = client.get("/quality/language/suggest/", {"field": "reply", "reply": "您好，这个问题我没办法"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "我没办法" in html and "R-LG-2" in html and "建议改为" in html
    assert (
        client.get("/quality/language/suggest/", {"field": "reply", "reply": "您好"}).content.strip() == b""
    )


def _training(world: World, valid_until: date | None, passed: bool = True) -> None:
    TrainingRecord.objects.create(
        staff=world.tech.staff, kind="product", course="空调变频技术", product_line=world.line,
        completed_on=clock.today() - timedelta(days=400), valid_until=valid_until, passed=passed,
        mandatory=True,
    )  # fmt: skip


def test_lapsed_mandatory_training_blocks_assignment_R_QA_7(world: World) -> None:
    _training(world, valid_until=clock.today() - timedelta(days=1))
    order = order_in(world, Status.DISPATCHED)
    with pytest.raises(DomainError) as err:
        order_transition(
            order=order,
            actor=world.actor("outlet_manager"),
            action="assign",
            params={"technician": world.tech.pk},
        )
    assert err.value.code == "technician_not_eligible" and "空调变频技术" in err.value.text()
    _training(world, valid_until=clock.today() + timedelta(days=300))  # retrained: the latest record counts
    order_transition(
        order=order,
        actor=world.actor("outlet_manager"),
        action="assign",
        params={"technician": world.tech.pk},
    )
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED
