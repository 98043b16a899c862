"""The technician's day costs the same queries at any length (R-DI-7): the policy is read once per brand
and centre, and the contact views of the whole day are logged in one write (R-PV-1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from doorstep.core import clock
from doorstep.quality.models import ContactAccess
from doorstep.tests import dates
from doorstep.tests.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def _assigned(world: Any, n: int) -> list[Any]:
    """``n`` orders assigned to the technician for this afternoon (an assignment holds no time slot)."""
    afternoon = dates.at(clock.today(), 14)
    return [WorkOrderFactory.create(world=world, status="assigned", window_start=afternoon) for _ in range(n)]


def _today_queries(client: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("visits:today"))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_today_queries_do_not_grow_with_the_day_R_DI_7(world: Any) -> None:
    client = Client()
    client.force_login(world.staff["technician"].user)
    with clock.frozen_at(dates.at(clock.today(), 8)):
        orders = _assigned(world, 3)
        small, page = _today_queries(client)
        assert all(o.number in page for o in orders)
        orders += _assigned(world, 27)
        large, page = _today_queries(client)
    assert all(o.number in page for o in orders) and page.count("tel:") == 30
    assert large == small
    assert ContactAccess.objects.filter(purpose="visit_day").count() == 33  # every full view logged
