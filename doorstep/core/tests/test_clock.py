"""The one clock of field actions: the phone's time of an offline action, checked against the server's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.core import clock

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("phone", "used"),
    [
        (NOW - clock.OFFLINE_SLACK - S, NOW),  # too old: the server's time
        (NOW - clock.OFFLINE_SLACK, NOW - clock.OFFLINE_SLACK),  # exactly the slack: kept
        (NOW - timedelta(minutes=6), NOW - timedelta(minutes=6)),
        (NOW + clock.CLIENT_AHEAD, NOW),  # a phone a little ahead: clamped to now
        (NOW + clock.CLIENT_AHEAD + S, NOW),  # too far ahead: the server's time
    ],
)
def test_acted_at_keeps_a_plausible_phone_time(phone: datetime, used: datetime) -> None:
    with clock.frozen_at(NOW):
        assert clock.acted_at(phone.isoformat()) == used


@pytest.mark.parametrize("raw", [None, "", "not a time", "2026-12-01T09:58:00"])  # the last one is naive
def test_acted_at_without_a_usable_phone_time_is_now(raw: object) -> None:
    with clock.frozen_at(NOW):
        assert clock.acted_at(raw) == NOW
