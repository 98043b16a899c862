"""The quality pages as each role gets them (role × page), the exports, and the customer's survey form."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from conftest import World
from doorstep.core import clock
from doorstep.orders.tracking import tracking_token
from doorstep.quality.models import Complaint, LanguageFlag, Source, Survey
from doorstep.quality.services.language import language_check_text
from doorstep.quality.tests.helpers import Visit, drive, streamed


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.staff[role].user)
    return client


def _completed(world: World):  # type: ignore[no-untyped-def]
    return drive(world, Visit(day=clock.local(clock.now()).date() - timedelta(days=1)))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/quality/callbacks/", {"agent", "quality", "admin"}),
        ("/quality/dashboard/", {"quality", "admin", "outlet_manager"}),
        ("/quality/language/", {"quality", "admin"}),
        ("/quality/warnings/", {"quality", "admin"}),
        ("/quality/people/", {"quality", "admin", "outlet_manager"}),
        ("/quality/complaints/", {"agent", "quality", "admin", "outlet_manager", "dispatcher", "technician"}),
        ("/quality/insights/", {"agent", "quality", "admin", "outlet_manager", "dispatcher", "technician"}),
    ],
)
def test_role_page_matrix(world: World, url: str, allowed: set[str]) -> None:
    for role in ("agent", "dispatcher", "quality", "admin", "outlet_manager", "technician"):
        status = _client(world, role).get(url).status_code
        assert status == (200 if role in allowed else 404), (role, url, status)


def test_callback_queue_lists_the_order_with_the_phone_for_the_agent(world: World) -> None:
    order = _completed(world)
    html = _client(world, "agent").get("/quality/callbacks/").content.decode()
    assert order.number in html and "回访话术" in html and order.customer.phone in html


def test_dashboard_charts_exports_and_drill_down(world: World) -> None:
    order = _completed(world)
    client = _client(world, "quality")
    html = client.get("/quality/dashboard/").content.decode()
    assert "<svg" in html and "准时到达率" in html and "李师傅" in html
    drill = client.get("/quality/dashboard/orders/", {"metric": "first_fix", "group": "scope", "key": 0})
    assert order.number in drill.content.decode()
    csv = client.get("/quality/dashboard/export.csv")  # streamed
    text = streamed(csv).decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and "李师傅" in text
    assert order.customer.phone not in text  # no contact data in exports (R-PV-1)
    xlsx = client.get("/quality/dashboard/export.xlsx")
    sheet = load_workbook(io.BytesIO(streamed(xlsx))).active
    assert sheet is not None and sheet["A1"].value == "层级" and sheet["B2"].value == world.centre.name


def test_language_review_page_confirms_and_dismisses(world: World) -> None:
    flags = language_check_text(
        text="我不清楚，我没办法", source=Source.ORDER_NOTE, author=world.actor("agent")
    )
    client = _client(world, "quality")
    assert "我没办法" in client.get("/quality/language/").content.decode()
    client.post(f"/quality/language/{flags[0].pk}/confirm/")
    client.post(f"/quality/language/{flags[1].pk}/dismiss/", {"note": "引用客户原话"})
    states = set(LanguageFlag.objects.values_list("state", flat=True))
    assert states == {"confirmed", "dismissed"}


def test_the_tracking_page_offers_the_survey_once_and_records_it(world: World) -> None:
    order = _completed(world)
    token = tracking_token(order)
    client = Client()
    assert 'id="survey-form"' in client.get(f"/t/{token}/").content.decode()
    client.post(
        f"/quality/t/{token}/survey/",
        {
            "timeliness": "5",
            "skill": "5",
            "attitude": "5",
            "fees": "2",
            "product_works": "yes",
            "comment": "贵",
        },
    )
    survey = Survey.objects.get(order=order)
    assert survey.fees == 2 and Complaint.objects.get(order=order).category == "fees"
    page = client.get(f"/t/{token}/").content.decode()
    assert 'id="survey-form"' not in page and 'id="survey-done"' in page


def test_staff_cannot_post_the_survey_even_through_the_link_R_QA_2(world: World) -> None:
    order = _completed(world)
    client = _client(world, "agent")
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="survey-form"' not in page and 'id="complaints"' in page
    scores = {"timeliness": "5", "skill": "5", "attitude": "5", "fees": "5"}
    client.post(f"/quality/t/{tracking_token(order)}/survey/", scores)
    assert not Survey.objects.exists()


def test_archive_of_customer_and_product_lists_visits_and_feedback_R_QA_6(world: World) -> None:
    from doorstep.network.actors import Actor
    from doorstep.quality.services.feedback import survey_submit

    order = _completed(world)
    survey_submit(
        order=order,
        actor=Actor.customer("刘女士"),
        scores={"timeliness": 5, "skill": 5, "attitude": 5, "fees": 5},
    )
    client = _client(world, "dispatcher")  # sees the centre's orders, but not the customer's contact
    for url in (
        f"/quality/archive/customer/{order.customer_id}/",
        f"/quality/archive/product/{order.product_id}/",
    ):
        html = client.get(url).content.decode()
        assert order.number in html and "客户评价：平均 5.0 分" in html and "到达" in html
        assert order.customer.phone not in html and "138****" not in html and "****" in html  # R-PV-1
    assert (
        _client(world, "other_manager").get(f"/quality/archive/customer/{order.customer_id}/").status_code
        == 404
    )
