"""Search and lists (walk finding 22, issue 15 part 4): one search box for staff, scoped to the orders the
user may see (R-PV-1); keyset pages with filters and sort on the staff lists; styled error pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client, override_settings
from django.urls import path

from conftest import World
from doorstep.core import clock
from doorstep.core.paging import decode, encode, keyset_page
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import Deadline, WorkOrder
from doorstep.orders.selectors import deadline_page, order_list_page, order_search, search_query
from doorstep.orders.tests.helpers import intake, order_in

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.staff[who].user)
    return client


def _deadlines(world: World, n: int) -> list[Deadline]:
    """``n`` live deadlines of the agent, some overdue, several due at the same instant (ties)."""
    order = intake(world)
    Deadline.objects.filter(owner=world.staff["agent"]).delete()  # the intake's own: exactly n
    now = clock.now()
    rows = [
        Deadline(
            order=order,
            kind=Deadline.Kind.CALLBACK if k % 3 else Deadline.Kind.VERIFY,
            rule="R-QA-1",
            owner=world.staff["agent"],
            due_at=now + timedelta(hours=(k // 4) - 5),  # four at each instant
            state=Deadline.State.OVERDUE if k < 20 else Deadline.State.OPEN,
        )
        for k in range(n)
    ]
    return Deadline.objects.bulk_create(rows)


def _next_href(html: str) -> str:
    found = re.search(r'href="([^"]*)"[^>]*data-pager="next"', html)
    return unescape(found.group(1)) if found else ""


# --- the paging helper ------------------------------------------------------------------------------------
def test_a_cursor_is_only_read_for_its_own_sort(world: World) -> None:
    rows = _deadlines(world, 3)
    keys = ["due_at", "pk"]
    cursor = encode(keys, rows[0])
    assert decode(keys, cursor) == [rows[0].due_at, rows[0].pk]
    assert decode(["-due_at", "-pk"], cursor) is None  # another sort: the first page
    for junk in ("", "nonsense", "x_y_z", "%%%", "eyJhIjoxfQ"):
        assert decode(keys, junk) is None
    page = keyset_page(Deadline.objects.all(), keys, after="nonsense", size=2)
    assert [d.pk for d in page.items] == [d.pk for d in Deadline.objects.order_by("due_at", "pk")[:2]]


# --- the agent's deadlines: 62, every one reachable -------------------------------------------------------
@pytest.mark.parametrize("sort", ["overdue", "due", "-due"])
def test_62_deadlines_are_all_reachable_page_by_page_without_repeats(world: World, sort: str) -> None:
    """Walk finding 22: 王丽 had 62 live deadlines and the list showed 20."""
    made = _deadlines(world, 62)
    seen: list[int] = []
    after = ""
    pages = 0
    while True:
        page = deadline_page(actor=world.actor("agent"), sort=sort, after=after, size=20)
        assert page.total == 62
        seen += [d.pk for d in page.items]
        pages += 1
        if not page.after:
            break
        after = page.after
    assert pages == 4
    assert len(seen) == len(set(seen)) == 62 and set(seen) == {d.pk for d in made}
    whole = [d.pk for d in deadline_page(actor=world.actor("agent"), sort=sort, size=500).items]
    assert seen == whole  # the pages, one after the other, are the list in its order


def test_the_deadline_pages_keep_their_filters_and_sort(world: World) -> None:
    _deadlines(world, 62)
    client = _client(world, "agent")
    url = "/orders/deadlines/?state=overdue&kind=callback&sort=-due"
    expected = list(
        Deadline.objects.filter(owner=world.staff["agent"], state="overdue", kind="callback")
        .order_by("-due_at", "-pk")
        .values_list("pk", flat=True)
    )
    seen: list[int] = []
    while url:
        html = client.get(url).content.decode()
        seen += [int(pk) for pk in re.findall(r'data-deadline="(\d+)"', html)]
        url = _next_href(html)
        if url:
            assert "state=overdue" in url and "kind=callback" in url and "sort=-due" in url
            url = "/orders/deadlines/" + url
    assert seen == expected


def test_the_order_list_shows_the_first_deadlines_and_a_way_to_all(world: World) -> None:
    _deadlines(world, 62)
    html = _client(world, "agent").get("/orders/").content.decode()
    assert 'href="/orders/deadlines/"' in html and "62" in html


# --- the order list ---------------------------------------------------------------------------------------
def test_the_order_list_pages_with_its_filters_and_sort(world: World) -> None:
    for _ in range(7):
        order_in(world, Status.ASSIGNED)
    order_in(world, Status.TRIAGED)
    agent = world.actor("agent")
    seen: list[str] = []
    after = ""
    while True:
        page = order_list_page(actor=agent, status=Status.ASSIGNED, sort="number", after=after, size=3)
        seen += [o.number for o in page.items]
        if not page.after:
            break
        after = page.after
    assert seen == sorted(WorkOrder.objects.filter(status=Status.ASSIGNED).values_list("number", flat=True))
    html = _client(world, "agent").get("/orders/?status=assigned&sort=window").content.decode()
    href = _next_href(html)
    assert href == ""  # 7 fit on one page of 50
    assert "共 7 条" in html


# --- the search box ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["138 0013 8000", "+86-13800138000", "13800138000", "+86 138-0013-8000"])
def test_a_phone_in_any_format_finds_the_order(world: World, typed: str) -> None:
    order = intake(world, phone=PHONE)
    intake(world)  # another customer
    assert search_query(typed).phone == "+8613800138000"
    found = order_search(actor=world.actor("agent"), query=search_query(typed))
    assert [o.pk for o in found.items] == [order.pk]


def test_an_order_number_in_any_case_a_name_and_an_address_fragment(world: World) -> None:
    order = intake(world, customer_name="欧阳娜娜", detail="体育西路 191 号 3 楼")
    other = intake(world, customer_name="刘女士")
    agent = world.actor("agent")

    def hits(text: str) -> set[int]:
        return {o.pk for o in order_search(actor=agent, query=search_query(text)).items}

    assert hits(order.number.lower()) == {order.pk}
    assert hits(order.number[:8].lower()) >= {order.pk, other.pk}  # the beginning: every order of the day
    assert hits("欧阳") == {order.pk}
    assert hits("体育西路") == {order.pk}
    assert hits("天河路") == {other.pk}
    assert hits("x") == set()  # one character is not a search
    assert hits("") == set()


def test_nobody_finds_an_order_outside_what_they_may_see_R_PV_1(world: World) -> None:
    """The other outlet's manager, a technician not sent: nothing by number, phone, name or address."""
    order = order_in(world, Status.ASSIGNED)  # the world's outlet, its technician
    order.customer.phone = "+8613800138000"
    order.customer.name = "欧阳娜娜"
    order.customer.save()
    for who, sees in (
        ("agent", True),
        ("dispatcher", True),
        ("outlet_manager", True),
        ("technician", True),
        ("other_manager", False),
        ("other_technician", False),
    ):
        for text in (order.number.lower(), "138 0013 8000", "欧阳娜娜", "天河路 385"):
            found = order_search(actor=world.actor(who), query=search_query(text))
            assert (order.pk in {o.pk for o in found.items}) is sees, (who, text)
    client = _client(world, "other_manager")
    response = client.get("/orders/search/", {"q": order.number})
    assert response.status_code == 200 and f'data-order="{order.number}"' not in response.content.decode()


def test_one_match_opens_the_order_and_the_box_is_in_every_staff_page(world: World) -> None:
    order = intake(world, phone=PHONE)
    client = _client(world, "agent")
    response = client.get("/orders/search/", {"q": "138-0013-8000"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    for who, url in (("agent", "/orders/"), ("technician", "/visits/"), ("dispatcher", "/dispatch/")):
        assert 'id="staff-search"' in _client(world, who).get(url).content.decode(), who


# --- the error pages --------------------------------------------------------------------------------------
def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret stack detail")


def _denied(request):  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("secret reason")


urlpatterns = [path("boom/", _boom), path("denied/", _denied)]
handler404 = "doorstep.web.errors.not_found"
handler403 = "doorstep.web.errors.forbidden"
handler500 = "doorstep.web.errors.server_error"


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "zh", "en"),
    [
        ("/nowhere/", 404, "页面不存在", "Page not found"),
        ("/denied/", 403, "无权访问", "Access denied"),
        ("/boom/", 500, "服务器出错了", "Something went wrong on our side"),
    ],
)
def test_error_pages_are_styled_localised_and_show_the_request_id(
    world: World, url: str, status: int, zh: str, en: str
) -> None:
    client = Client(raise_request_exception=False)
    for language, title in (("zh-hans", zh), ("en", en)):
        rid = f"req-{status}-{language}"
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, HTTP_X_REQUEST_ID=rid)
        html = response.content.decode()
        assert response.status_code == status
        assert title in html and f"req-{status}-{language}" in html and 'href="/"' in html
        assert "Traceback" not in html and "secret" not in html and "doorstep.css" in html


@override_settings(DEBUG=False)
def test_the_project_404_page_for_a_missing_order(world: World) -> None:
    response = _client(world, "agent").get("/orders/SV00000000000/", HTTP_X_REQUEST_ID="support-1")
    html = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in html and "support-1" in html
