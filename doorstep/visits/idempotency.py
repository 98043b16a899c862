"""Replayed offline actions are done once: each POST carries a client-generated key (a UUID)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from doorstep.core import clock
from doorstep.visits.models import ProcessedAction


def run_once[T](request: HttpRequest, fn: Callable[[], T]) -> tuple[T | None, bool]:
    """Run ``fn`` unless this user's key was already processed; returns (result, was_duplicate).

    The key is stored in the same transaction as the action: a refused action (DomainError) stores no
    key, so the technician can fix the input and send it again.
    """
    key = str(request.POST.get("idem") or "").strip()[:64]
    if not key:
        return fn(), False
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProcessedAction.objects.create(
                    user=request.user,  # type: ignore[misc]  # the views require log-in
                    key=key,
                    path=request.path[:200],
                    at=clock.now(),
                )
        except IntegrityError:
            return None, True
        return fn(), False
