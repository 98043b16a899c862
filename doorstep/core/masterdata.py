"""Master data kept per process, with one invalidation rule across processes (issue 16, intake at scale).

The catalogue, the centres, the warranty and urgency rules and the policy rows change a few times a year
and are read by every order taken. A process keeps what it read in memory, filed under the token of the one
``MasterDataVersion`` row; every save or delete of a watched model writes a new random token into that row
in the writer's own transaction (``watch`` connects the signals). A unit of work (an intake) reads the
token once — one primary-key query — and drops the process's copy when it differs. So a change is seen by
every process from its first unit of work that starts after the change commits: no time bound, no shared
cache server, the same on SQLite and PostgreSQL, with any number of web processes.

Why a random token and not a counter: a change rolled back leaves the token it replaced, and the next one
writes a token never used before, so a copy read inside a rolled-back transaction is never taken for a
later state. When the row is missing (a database flushed after the migration made it) the reader writes it
with a new token (``INSERT … ON CONFLICT DO NOTHING``: concurrent readers agree on one) and reads it back.

Writes that bypass the model signals (``QuerySet.update``, ``bulk_create``, raw SQL) must call ``bump()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save

from doorstep.core.models import MasterDataVersion

T = TypeVar("T")
_ROW = 1


# (token, values): replaced as one tuple, so a thread never pairs one token with another token's values
_copy: tuple[str | None, dict[Any, Any]] = (None, {})


def bump(**_signal: Any) -> None:
    """A new token: every process rereads the master data at its next unit of work (after this commits)."""
    token = uuid.uuid4().hex
    if not MasterDataVersion.objects.filter(pk=_ROW).update(token=token):
        MasterDataVersion.objects.update_or_create(pk=_ROW, defaults={"token": token})


def watch(*watched: type[models.Model]) -> None:
    """Every save or delete of these models bumps the token (called from the owning app's ``ready``)."""
    for model in watched:
        uid = f"masterdata:{model._meta.label}"
        post_save.connect(bump, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(bump, sender=model, weak=False, dispatch_uid=uid)


class Snapshot:
    """The process's master data valid for one unit of work: ``get(key, load)`` returns the kept value or
    loads and keeps it."""

    def __init__(self, values: dict[Any, Any]) -> None:
        self._values = values

    def get(self, key: Any, load: Callable[[], T]) -> T:
        try:
            return self._values[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._values[key] = load()
            return value


def _token() -> str | None:
    return MasterDataVersion.objects.filter(pk=_ROW).values_list("token", flat=True).first()


def snapshot() -> Snapshot:
    """Read the token (one query) and return the process's copy for it, emptied when the token changed."""
    token = _token()
    if token is None:  # no row (a flushed database): write one, the first writer's token wins
        MasterDataVersion.objects.bulk_create(
            [MasterDataVersion(pk=_ROW, token=uuid.uuid4().hex)], ignore_conflicts=True
        )
        token = _token()
    if token is None:
        return Snapshot(
            {}
        )  # not visible to this transaction (cannot happen under READ COMMITTED): keep nothing
    global _copy
    kept_token, values = _copy
    if token != kept_token:
        values = {}
        _copy = (token, values)
    return Snapshot(values)
