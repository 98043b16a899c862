"""Self-booking (walk findings 18 and 21): the day and the purchase date typed as customers say them, an
address outside the centre's service area refused with the reason, a same-day period that has begun refused,
the form kept with each error next to its field."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client

from doorstep.channels.forms import SelfBookForm
from doorstep.channels.tests.test_selfbook import form
from doorstep.core import clock
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.tests import dates


def bound(world, **over: object) -> SelfBookForm:  # type: ignore[no-untyped-def]
    f = SelfBookForm(
        form(world, **over), brand=world.brand, region=world.centre.province, city=world.centre.city
    )
    f.is_valid()
    return f


def test_the_day_typed_in_words_is_a_date_and_chooses_the_period(world) -> None:  # type: ignore[no-untyped-def]
    f = bound(world, day="明天下午", period="morning")
    assert f.errors == {}
    assert f.cleaned_data["day"] == clock.today() + timedelta(days=1)
    assert f.cleaned_data["period"] == "afternoon"  # the words said which part of the day


def test_chinese_dates_are_understood_in_the_day_and_the_purchase_date(world) -> None:  # type: ignore[no-untyped-def]
    in_two_days = clock.today() + timedelta(days=2)
    f = bound(world, day=f"{in_two_days.month}月{in_two_days.day}日", purchased="2022年5月1日")
    assert f.errors == {}
    assert f.cleaned_data["day"] == in_two_days and f.cleaned_data["purchased"] == date(2022, 5, 1)


def test_a_day_typo_or_a_past_day_is_refused_with_the_reason(world) -> None:  # type: ignore[no-untyped-def]
    assert "看不懂这个日期" in bound(world, day="明天下五").errors["day"][0]
    assert "已经过去" in bound(world, day="昨天").errors["day"][0]
    assert "没有这一天" in bound(world, purchased="2月30日").errors["purchased"][0]
    assert "还没有到" in bound(world, purchased="明天").errors["purchased"][0]


def test_an_address_outside_the_service_area_is_refused_with_the_reason(world) -> None:  # type: ignore[no-untyped-def]
    """Finding 21: 深圳市南山区 was accepted for the Guangzhou centre, with no coverage warning."""
    response = Client().post("/book/acme/", form(world, address_text="深圳市南山区科技园1号"))
    assert response.status_code == 200 and not WorkOrder.objects.exists()
    errors = response.context["form"].errors
    assert list(errors) == ["address_text"]
    assert "「深圳市南山区」不在本服务中心的服务范围内" in errors["address_text"][0]
    assert "天河区" in errors["address_text"][0] and world.brand.hotline in errors["address_text"][0]
    page = response.content.decode()
    assert 'value="深圳市南山区科技园1号"' in page and 'value="林女士"' in page  # the rest is kept


def test_an_address_in_a_covered_district_is_booked(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/book/acme/", form(world, address_text="广州市天河区天河北路233号18楼"))
    assert response.status_code == 302 and WorkOrder.objects.count() == 1


def test_a_same_day_period_that_has_begun_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """Finding 21: a same-day 上午 booking made at 09:11 was accepted."""
    today = dates.working_day(after=1)
    with clock.frozen_at(dates.at(today, 9, 11)):
        morning = bound(world, day="今天", period="morning")
        assert "今天上午的时段（09:00-12:00）已经开始" in morning.errors["period"][0]
        assert bound(world, day="今天", period="afternoon").errors == {}
    with clock.frozen_at(dates.at(today, 9, 0)):  # at the period's start: begun
        assert "period" in bound(world, day="今天", period="morning").errors
    with clock.frozen_at(dates.at(today, 8, 59)):  # a minute before
        assert bound(world, day="今天", period="morning").errors == {}


def test_the_booking_keeps_the_day_asked_for_as_a_date(world) -> None:  # type: ignore[no-untyped-def]
    """Finding 18: the order's requirement names the day, never "明天"; the customer's page shows it."""
    response = Client().post("/book/acme/", form(world, day="明天下午"))
    order = WorkOrder.objects.get()
    tomorrow = clock.today() + timedelta(days=1)
    assert order.requirement.startswith(tomorrow.isoformat()) and "下午" in order.requirement
    note = OrderEvent.objects.get(order=order, kind="self_booking").data
    assert note["day"] == tomorrow.isoformat() and note["period"] == "afternoon"
    page = Client().get(response["Location"]).content.decode()
    assert 'id="requested"' in page and tomorrow.isoformat() in page


def test_the_customer_sees_what_is_still_to_be_verified(world) -> None:  # type: ignore[no-untyped-def]
    """Finding 21: an order made without the optional purchase date says what the desk will verify."""
    response = Client().post("/book/acme/", form(world, purchased="", model=""))
    order = WorkOrder.objects.get()
    assert order.status == "info_incomplete"
    page = Client().get(response["Location"]).content.decode()
    assert 'id="still-needed"' in page and "未提供购买日期" in page
