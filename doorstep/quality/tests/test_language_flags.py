"""Service-language checks on the Django side (docs/standard.md §9 R-LG-2, R-QA-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import World, make_staff
from doorstep.core import clock
from doorstep.core.errors import DomainError, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.models import Role, ServiceCentre
from doorstep.orders.models import OrderEvent
from doorstep.orders.tests.helpers import intake
from doorstep.quality.models import LanguageFlag, LanguageRule, Source
from doorstep.quality.selectors import language_flag_counts, language_review_queue
from doorstep.quality.services import (
    language_check_text,
    language_flag_confirm,
    language_flag_dismiss,
    language_matcher,
    typing_suggestions,
)

FALSE_POSITIVE = "我不知道他几点下班"


def _check(world: World, text: str, role: str = "agent", **kw):  # type: ignore[no-untyped-def]
    return language_check_text(text=text, source=Source.ORDER_NOTE, author=world.actor(role), **kw)


def _language_events(order):  # type: ignore[no-untyped-def]
    return list(OrderEvent.objects.filter(order=order, kind__startswith="language_").order_by("seq"))


def test_hits_become_flags_with_positions_suggestions_and_an_order_event(world: World) -> None:
    order = intake(world)
    text = "您好，这种型号的产品都是这样的，我没办法"
    flags = language_check_text(
        text=text, source=Source.WECHAT_REPLY, author=world.actor("agent"), order=order, source_ref="msg-1"
    )

    assert [(f.start, f.end, f.matched_text) for f in flags] == [
        (3, 15, "这种型号的产品都是这样的"),
        (16, 20, "我没办法"),
    ]
    for flag in flags:
        assert text[flag.start : flag.end] == flag.matched_text
        start, end = flag.excerpt_span
        assert flag.excerpt[start:end] == flag.matched_text
        assert flag.rule_id == "R-LG-2"
        assert flag.suggestions and all(isinstance(s, str) for s in flag.suggestions)
        assert flag.state == LanguageFlag.State.OPEN
        assert flag.order == order and flag.centre == world.centre
        assert flag.author == world.staff["agent"] and flag.source_ref == "msg-1"
    assert "我再帮你看看" in flags[0].suggestions

    (event,) = _language_events(order)
    assert event.kind == "language_flagged"
    assert event.customer_visible is False
    assert event.rule == "R-LG-2"
    assert [f["id"] for f in event.data["flags"]] == [f.pk for f in flags]


def test_habitual_phrase_gets_the_professional_rewording(world: World) -> None:
    (flag,) = _check(world, "抱歉，我试试看吧")
    assert flag.matched_text == "我试试看吧"
    assert flag.suggestions == ["我一定尽力而为"]
    assert flag.order is None and flag.centre == world.centre


def test_clean_text_gives_no_flag_and_no_event(world: World) -> None:
    order = intake(world)
    assert _check(world, "您好，我是安可空调的工程师，我们会尽快上门为您检修。", order=order) == []
    assert LanguageFlag.objects.count() == 0
    assert _language_events(order) == []


def test_dismissed_false_positive_is_learned_but_other_uses_still_flagged(world: World) -> None:
    (flag,) = _check(world, FALSE_POSITIVE, role="technician")
    assert flag.matched_text == "不知道"

    dismissed = language_flag_dismiss(
        flag=flag, actor=world.actor("quality"), note="客户感谢维修速度，并非禁语"
    )

    assert dismissed.state == LanguageFlag.State.DISMISSED
    assert dismissed.reviewed_by == world.staff["quality"] and dismissed.reviewed_at is not None
    rule = LanguageRule.objects.get()
    assert dismissed.dismissal_rule == rule
    assert rule.active and rule.phrase_id == "LG2-F01" and rule.created_by == world.staff["quality"]
    assert rule.context_rule().reason == "客户感谢维修速度，并非禁语"

    assert _check(world, "哦，我不知道他几点下班啊", role="technician") == []
    (still,) = _check(world, "这个问题我不知道", role="technician")
    assert (still.start, still.end, still.matched_text) == (5, 8, "不知道")


def test_review_of_an_order_flag_is_recorded_on_the_order(world: World) -> None:
    order = intake(world)
    first, second = _check(world, "你错了，我试试看吧", order=order)
    language_flag_confirm(flag=first, actor=world.actor("quality"), note="顶撞客户")
    language_flag_dismiss(flag=second, actor=world.actor("admin"), note="内部沟通，不是对客户")

    kinds = [e.kind for e in _language_events(order)]
    assert kinds == ["language_flagged", "language_flag_confirmed", "language_flag_dismissed"]
    assert all(not e.customer_visible for e in _language_events(order))


@pytest.mark.parametrize("role", ["agent", "dispatcher", "outlet_manager", "technician"])
def test_only_quality_or_admin_may_review(world: World, role: str) -> None:
    (flag,) = _check(world, "这个问题我不知道")
    with pytest.raises(Forbidden):
        language_flag_confirm(flag=flag, actor=world.actor(role))
    with pytest.raises(Forbidden):
        language_flag_dismiss(flag=flag, actor=world.actor(role), note="误报")
    flag.refresh_from_db()
    assert flag.state == LanguageFlag.State.OPEN


@pytest.mark.parametrize("note", ["", "   "])
def test_dismissal_needs_a_reason(world: World, note: str) -> None:
    (flag,) = _check(world, FALSE_POSITIVE)
    with pytest.raises(Invalid) as err:
        language_flag_dismiss(flag=flag, actor=world.actor("quality"), note=note)
    assert err.value.code == "dismiss_reason_required" and err.value.field == "note"
    flag.refresh_from_db()
    assert flag.state == LanguageFlag.State.OPEN
    assert not LanguageRule.objects.exists()


def test_a_flag_is_reviewed_once(world: World) -> None:
    (flag,) = _check(world, "这个问题我不知道")
    language_flag_confirm(flag=flag, actor=world.actor("quality"))
    for review in (
        lambda: language_flag_confirm(flag=flag, actor=world.actor("admin")),
        lambda: language_flag_dismiss(flag=flag, actor=world.actor("quality"), note="误报"),
    ):
        with pytest.raises(DomainError) as err:
            review()
        assert err.value.code == "flag_already_reviewed"
    assert not LanguageRule.objects.exists()


def _other_centre_quality(world: World) -> Actor:
    centre = ServiceCentre.objects.create(
        brand=world.brand, name="深圳服务中心", province="广东省", city="深圳市", hotline="0755-1"
    )
    make_staff("quality-sz", "质量经理乙", Role.QUALITY, centre, None)
    return Actor.for_user(centre.staff.get().user)


def test_review_queue_is_scoped_to_the_reviewers_centre_newest_first(world: World) -> None:
    (older,) = _check(world, "这个问题我不知道")
    (reviewed,) = _check(world, "我没办法")
    (newer,) = _check(world, "这是新产品，我也不清楚", role="technician")
    LanguageFlag.objects.filter(pk=older.pk).update(created_at=clock.now() - timedelta(hours=1))
    language_flag_confirm(flag=reviewed, actor=world.actor("quality"))

    for role in ("quality", "admin"):
        assert list(language_review_queue(world.actor(role))) == [newer, older]
    for role in ("agent", "dispatcher", "outlet_manager", "technician"):
        assert list(language_review_queue(world.actor(role))) == []

    elsewhere = _other_centre_quality(world)
    assert list(language_review_queue(elsewhere)) == []
    with pytest.raises(NotFound):
        language_flag_confirm(flag=newer, actor=elsewhere)


def test_counts_per_author_use_confirmed_flags_in_the_period(world: World) -> None:
    quality = world.actor("quality")
    tech_flags = _check(world, "你错了，我试试看吧", role="technician")
    (agent_flag,) = _check(world, "这个问题我不知道")
    (dismissed,) = _check(world, "我没办法", role="other_technician")
    (old,) = _check(world, "我没办法", role="other_technician")
    for flag in (*tech_flags, agent_flag, old):
        language_flag_confirm(flag=flag, actor=quality)
    language_flag_dismiss(flag=dismissed, actor=quality, note="引用客户原话")
    LanguageFlag.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=40))

    since, until = clock.now() - timedelta(days=30), clock.now() + timedelta(minutes=1)
    counts = language_flag_counts(actor=quality, since=since, until=until)
    assert [(row["name"], row["role"], row["count"]) for row in counts] == [
        (world.staff["technician"].name, "technician", 2),
        (world.staff["agent"].name, "agent", 1),
    ]
    assert counts[0]["author_id"] == world.staff["technician"].pk
    assert language_flag_counts(actor=quality, since=since, until=until, roles=["agent"])[0]["count"] == 1
    assert language_flag_counts(actor=world.actor("agent"), since=since, until=until) == []


def test_typing_suggestions_hint_the_end_of_a_reply(world: World) -> None:
    (hint,) = typing_suggestions("好的，我不清楚")
    assert (hint["start"], hint["end"], hint["text"]) == (4, 7, "不清楚")
    assert hint["rule_id"] == "R-LG-2" and hint["suggestions"]
    assert typing_suggestions("您好，请问有什么可以帮您？") == []


def test_matcher_is_cached_until_the_rules_change(world: World) -> None:
    first = language_matcher()
    assert language_matcher() is first
    (flag,) = _check(world, FALSE_POSITIVE)
    language_flag_dismiss(flag=flag, actor=world.actor("quality"), note="误报")
    learned = language_matcher()
    assert learned is not first
    assert [r.id for r in learned.learned_rules] == [LanguageRule.objects.get().key]
    assert first.learned_rules == []  # the shared matcher is never mutated by a dismissal

    LanguageRule.objects.update(active=False)  # e.g. switched off in the admin, possibly by another process
    LanguageRule.objects.get().save()
    assert language_matcher().learned_rules == []
    assert len(_check(world, FALSE_POSITIVE)) == 1


def test_unknown_source_and_customer_author_are_refused(world: World) -> None:
    with pytest.raises(Invalid):
        language_check_text(text="我不知道", source="email", author=world.actor("agent"))
    with pytest.raises(Invalid):
        language_check_text(text="我不知道", source=Source.SMS, author=Actor.customer("客户"))
