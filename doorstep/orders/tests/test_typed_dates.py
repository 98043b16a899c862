"""Dates typed at the desk (walk finding 18): the intake console's purchase date and customer's requirement,
the call log's promised reply. Understood and stored as dates, or refused next to the field with the rest of
the form kept — never stored as typed (R-IN-2, R-IN-8)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode
from doorstep.orders.forms import action_params
from doorstep.orders.models import CallRecord, WorkOrder

INTAKE = {
    "channel": "phone",
    "service_type": "repair",
    "priority": "normal",
    "customer_name": "韩女士",
    "phone": "13800001111",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "detail": "花城大道 18 号",
    "model_code": "KFR-35GW",
    "faults": "不制冷",
}


def agent(world) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.staff["agent"].user)
    return client


def tomorrow() -> date:
    return clock.today() + timedelta(days=1)


def test_a_chinese_purchase_date_and_a_relative_requirement_are_stored_as_dates(world) -> None:
    response = agent(world).post(
        "/orders/new/", {**INTAKE, "purchase_date": "2022年5月1日", "requirement": "明天下午"}
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.product is not None and order.product.purchase_date == date(2022, 5, 1)
    assert order.requirement.startswith(f"{tomorrow().isoformat()}（周") and order.requirement.endswith(
        "下午"
    )
    assert "明天" not in order.requirement  # read on the report next week, it still names the same day


def test_a_purchase_date_typo_is_refused_next_to_the_field_and_the_form_is_kept(world) -> None:
    response = agent(world).post(
        "/orders/new/", {**INTAKE, "purchase_date": "2022年5越1日", "requirement": "明天下午"}
    )
    assert response.status_code == 200 and not WorkOrder.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["purchase_date"]
    assert "看不懂这个日期" in form.errors["purchase_date"][0]
    page = response.content.decode()
    assert 'value="2022年5越1日"' in page and 'value="韩女士"' in page and 'value="明天下午"' in page
    assert "不制冷</textarea>" in page


def test_an_impossible_or_future_purchase_date_is_refused_with_the_reason(world) -> None:
    impossible = agent(world).post("/orders/new/", {**INTAKE, "purchase_date": "2月30日"})
    assert "没有这一天" in impossible.context["form"].errors["purchase_date"][0]
    future = agent(world).post("/orders/new/", {**INTAKE, "purchase_date": "明天"})
    assert "还没有到" in future.context["form"].errors["purchase_date"][0]
    assert not WorkOrder.objects.exists()


def test_a_rough_purchase_date_goes_on_and_the_order_is_incomplete_with_the_reason(world) -> None:
    """R-IN-2: "去年" is what the customer knows — the order is made, incomplete, and says why."""
    agent(world).post("/orders/new/", {**INTAKE, "purchase_date": "去年"})
    order = WorkOrder.objects.get()
    assert (
        order.status == "info_incomplete"
        and order.product is not None
        and order.product.purchase_date is None
    )
    (item,) = [m for m in order.missing_items if m["code"] == "purchase_date.vague"]
    assert f"只说到 {clock.today().year - 1}" in item["zh"]


def test_the_console_shows_what_a_typed_date_will_be_stored_as(world) -> None:
    client = agent(world)
    hint = client.get("/orders/date-hint/", {"purchase_date": "二〇二二年五月一日"}).content.decode()
    assert "将记为：2022-05-01" in hint
    hint = client.get("/orders/date-hint/", {"requirement": "明天下午"}).content.decode()
    assert f"将记为：{tomorrow().isoformat()}" in hint
    assert "没有这一天" in client.get("/orders/date-hint/", {"purchase_date": "2月30日"}).content.decode()


CALL = {"direction": "in", "phone": "13800001111", "caller_name": "王先生", "question": "何时上门"}


def test_a_promise_typed_in_words_becomes_the_deadline_R_IN_8(world) -> None:
    response = agent(world).post("/orders/calls/", {**CALL, "promise": "明天下午3点", "read_back": "on"})
    assert response.status_code == 302
    call = CallRecord.objects.get()
    due = timezone.make_aware(datetime.combine(tomorrow(), time(15, 0)))
    assert call.promised_reply_at == due and call.deadlines.get().due_at == due


def test_a_promise_of_a_part_of_the_day_falls_due_at_its_end(world) -> None:
    agent(world).post("/orders/calls/", {**CALL, "promise": "明天下午"})
    due = CallRecord.objects.get().promised_reply_at
    assert clock.local(due).date() == tomorrow() and clock.local(due).time() == time(18, 0)  # R-DI-3 end


def test_a_promise_that_is_not_a_time_is_refused_next_to_the_field_never_dropped(world) -> None:
    """Finding 18: a non-ISO promise was silently dropped ("通话已登记。", no deadline)."""
    response = agent(world).post("/orders/calls/", {**CALL, "promise": "明天下五"})
    assert response.status_code == 200 and not CallRecord.objects.exists()
    assert list(response.context["form"].errors) == ["promise"]
    page = response.content.decode()
    assert 'value="明天下五"' in page and 'value="王先生"' in page and "何时上门</textarea>" in page
    past = agent(world).post("/orders/calls/", {**CALL, "promise": "昨天下午"})
    assert "已经过去" in past.context["form"].errors["promise"][0] and not CallRecord.objects.exists()


def at_tomorrow(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(tomorrow(), time(hour, 0)))


def test_appointment_times_typed_in_words_become_instants_R_DI_3() -> None:
    params = action_params(
        {"window_start": "明天下午", "window_end": "明天下午", "appointment_at": "明天下午3点"}
    )
    assert params == {
        "window_start": at_tomorrow(13),
        "window_end": at_tomorrow(18),
        "appointment_at": at_tomorrow(15),
    }
    iso = action_params({"window_start": f"{tomorrow().isoformat()}T09:00"})  # the browser's datetime-local
    assert iso == {"window_start": at_tomorrow(9)}


@pytest.mark.parametrize(
    "typed, code",
    [
        ("明天下五", ErrorCode.DATE_UNREADABLE),
        ("明天", ErrorCode.TIME_REQUIRED),
        ("昨天下午3点", ErrorCode.DATE_IN_PAST),
    ],
)
def test_an_appointment_time_that_names_no_instant_is_refused_naming_the_field(
    typed: str, code: ErrorCode
) -> None:
    with pytest.raises(DomainError) as refused:
        action_params({"appointment_at": typed})
    assert (refused.value.code, refused.value.field) == (code, "appointment_at")
    assert typed in refused.value.text()
