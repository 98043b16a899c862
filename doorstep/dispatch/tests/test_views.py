"""Dispatch pages: who may open them, and that each POST calls its service (thin views)."""

from __future__ import annotations

import pytest

from doorstep.core import clock
from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.tests.helpers import DAY, at, placed
from doorstep.orders.tests.helpers import intake

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [("dispatcher", 200), ("outlet_manager", 200), ("admin", 200), ("agent", 404), ("technician", 404)],
)
def test_board_is_for_dispatch_roles(world, client, role, status) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff[role].user)
    assert client.get("/dispatch/").status_code == status


def test_board_shows_queue_timeline_and_reasons(world, client) -> None:  # type: ignore[no-untyped-def]
    waiting = placed(world, status="dispatched", priority="urgent")
    booked = placed(world, status="confirmed", start=at(10))
    centre = intake(world, district="海珠区")
    client.force_login(world.staff["dispatcher"].user)
    with clock.frozen_at(at(7)):
        page = client.get(f"/dispatch/?outlet={world.outlet.pk}&day={DAY}").content.decode()
    for text in (waiting.number, booked.number, centre.number, "李师傅", "优化当天", "工作日"):
        assert text in page
    assert f'data-tech="{world.tech.pk}"' in page and "<svg" in page


def test_board_escapes_what_it_writes_in_python(world, client) -> None:  # type: ignore[no-untyped-def]
    """The day's blocks and the queue's options are written in Python (dispatch.board): names and places
    typed by people are escaped there as the template would."""
    world.tech.staff.name = "<b>李</b>"
    world.tech.staff.save()
    booked = placed(world, status="confirmed", start=at(10))
    booked.address.district = '天河"><script>x</script>'
    booked.address.save()
    waiting = placed(world, status="dispatched")
    client.force_login(world.staff["dispatcher"].user)
    with clock.frozen_at(at(7)):
        page = client.get(f"/dispatch/?outlet={world.outlet.pk}&day={DAY}").content.decode()
    assert "<script>x</script>" not in page and "<b>李</b>" not in page
    assert "天河&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in page  # the block's title and label
    assert "&lt;b&gt;李&lt;/b&gt;" in page  # the technician in the queue's options
    assert f'href="/orders/{booked.number}/"' in page and f"/dispatch/orders/{waiting.number}/assign/" in page


def test_outlet_manager_sees_only_their_outlet(world, client) -> None:  # type: ignore[no-untyped-def]
    other = placed(world, status="dispatched")
    client.force_login(world.staff["other_manager"].user)
    page = client.get(f"/dispatch/?outlet={world.outlet.pk}").content.decode()
    assert other.number not in page and "海珠网点" in page


def test_assign_post_and_refusal_message(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched")
    client.force_login(world.staff["outlet_manager"].user)
    r = client.post(
        f"/dispatch/orders/{order.number}/assign/", {"technician": world.other_tech.pk}, follow=True
    )
    assert "不属于本网点" in r.content.decode()
    client.post(f"/dispatch/orders/{order.number}/assign/", {"technician": world.tech.pk})
    order.refresh_from_db()
    assert order.status == "assigned"


def test_dispatch_to_outlet_automatically(world, client) -> None:  # type: ignore[no-untyped-def]
    order = intake(world)
    client.force_login(world.staff["dispatcher"].user)
    client.post(f"/dispatch/orders/{order.number}/outlet/", {"to_outlet": "auto"})
    order.refresh_from_db()
    assert order.status == "dispatched" and order.outlet == world.outlet


def test_optimise_post_queues_a_run_and_its_progress_renders(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff["outlet_manager"].user)
    client.post("/dispatch/optimise/", {"outlet": world.outlet.pk, "day": DAY.isoformat()})
    run = PlanRun.objects.get()
    assert run.state == "queued"
    page = client.get(f"/dispatch/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    client.force_login(world.staff["other_manager"].user)
    assert client.get(f"/dispatch/runs/{run.pk}/").status_code == 404


def test_slots_json_for_an_order(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="dispatched")
    client.force_login(world.staff["agent"].user)
    with clock.frozen_at(at(7)):
        data = client.get(f"/dispatch/orders/{order.number}/slots/?format=json").json()
    assert data["slots"] and data["slots"][0]["capacity"] == 1


def test_escalate_fault_records_R_AN_5(world, client) -> None:  # type: ignore[no-untyped-def]
    order = placed(world, status="assigned", start=at(10))
    client.force_login(world.staff["technician"].user)
    client.post(
        f"/dispatch/orders/{order.number}/escalate/", {"level": "senior", "reason": "从未修过此型号主板"}
    )
    event = order.events.get(kind="fault_escalated")
    assert event.rule == "R-AN-5" and event.data["level"] == "senior"
