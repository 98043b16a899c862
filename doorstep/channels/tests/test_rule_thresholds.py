"""The self-booking horizon exactly at, one day before and one day after ``slot_days`` (R-DI-3): the same
days the slot search offers (today and the ``slot_days - 1`` days after it)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.channels.forms import SelfBookForm
from doorstep.channels.tests.test_selfbook import form
from doorstep.core import clock
from doorstep.core.policy import DEFAULT


@pytest.mark.parametrize(("after_last", "ok"), [(-1, True), (0, True), (1, False)])
def test_a_customer_books_up_to_the_last_bookable_day_R_DI_3(world, after_last: int, ok: bool) -> None:  # type: ignore[no-untyped-def]
    """R-DI-3: ``slot_days`` bookable days, today included; the day after the last one is refused."""
    last = clock.local(clock.now()).date() + timedelta(days=DEFAULT.slot_days - 1)
    day = last + timedelta(days=after_last)
    bound = SelfBookForm(
        form(world, day=day.isoformat()),
        brand=world.brand,
        region=world.centre.province,
        city=world.centre.city,
    )
    bound.is_valid()
    assert ("day" in bound.errors) is not ok
    assert bound.fields["day"].widget.attrs["max"] == last.isoformat()
