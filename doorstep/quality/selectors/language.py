"""Reads on service-language flags: the review queue and the per-author counts for KPIs (R-LG-2, R-QA-4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from doorstep.network.actors import Actor
from doorstep.network.roles import LANGUAGE_KPI_ROLES, QUALITY_TEAM
from doorstep.quality.models import LanguageFlag


def can_review_language(actor: Actor) -> bool:
    """Quality managers and administrators of a centre review language flags."""
    return actor.role in QUALITY_TEAM and actor.staff is not None


def language_flags_visible_to(actor: Actor) -> QuerySet[LanguageFlag]:
    """Reviewers see the flags of their own centre; everyone else sees none."""
    qs = LanguageFlag.objects.select_related("order", "author", "reviewed_by")
    if not can_review_language(actor):
        return qs.none()
    return qs.filter(centre_id=actor.centre_id)


def language_flag_is_visible_to(flag: LanguageFlag, actor: Actor) -> bool:
    return can_review_language(actor) and flag.centre_id == actor.centre_id


def language_review_queue(actor: Actor) -> QuerySet[LanguageFlag]:
    """Open flags waiting for review, newest first (R-LG-2)."""
    return (
        language_flags_visible_to(actor).filter(state=LanguageFlag.State.OPEN).order_by("-created_at", "-pk")
    )


def language_flag_counts(
    *,
    actor: Actor,
    since: datetime,
    until: datetime,
    roles: Iterable[str] = LANGUAGE_KPI_ROLES,
) -> list[dict[str, Any]]:
    """Confirmed flags per author in ``[since, until)``, most first (rule compliance, R-QA-4).

    Each row: ``author_id`` (Staff id), ``name``, ``role``, ``count``.
    """
    rows = (
        language_flags_visible_to(actor)
        .filter(
            state=LanguageFlag.State.CONFIRMED,
            created_at__gte=since,
            created_at__lt=until,
            author__isnull=False,
            author__role__in=list(roles),
        )
        .values("author_id", "author__name", "author__role")
        .annotate(count=Count("pk"))
        .order_by("-count", "author__name", "author_id")
    )
    return [
        {
            "author_id": row["author_id"],
            "name": row["author__name"],
            "role": row["author__role"],
            "count": row["count"],
        }
        for row in rows
    ]
