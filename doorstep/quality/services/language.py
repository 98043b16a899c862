"""Writes for service-language checks (docs/standard.md §9, R-LG-2).

Staff texts (order notes, SMS, chat replies, call transcripts, event reasons) go through
:func:`language_check_text`; every hit becomes a :class:`LanguageFlag` that a quality manager
confirms or dismisses. A dismissal teaches the matcher a context rule, persisted as a
:class:`LanguageRule`, so the same phrase in the same context is not flagged again.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Count, Max

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden, Invalid, NotFound
from doorstep.network.actors import Actor
from doorstep.network.roles import Party
from doorstep.orders.events import EventKind
from doorstep.orders.models import WorkOrder
from doorstep.quality.language import ContextRule, Hit, LanguageMatcher, default_matcher
from doorstep.quality.models import LanguageFlag, LanguageRule, Source
from doorstep.quality.selectors.language import can_review_language, language_flag_is_visible_to

RULE = "R-LG-2"
EXCERPT_MARGIN = 30

RulesVersion = tuple[int, datetime | None]


# --- the matcher, built once per process and per rule set --------------------------------------------
def _rules_version() -> RulesVersion:
    """Changes whenever a rule is added, edited, (de)activated or deleted (in any process)."""
    agg = LanguageRule.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    return agg["n"], agg["latest"]


@lru_cache(maxsize=1)
def _matcher_for(version: RulesVersion) -> LanguageMatcher:
    rules = [rule.context_rule() for rule in LanguageRule.objects.filter(active=True).order_by("pk")]
    return default_matcher().with_rules(rules)


def language_matcher() -> LanguageMatcher:
    """The shared matcher with every active learned rule; rebuilt only when the rules change.

    Shared: never call ``dismiss`` on it (use ``with_rules`` for a private copy).
    """
    return _matcher_for(_rules_version())


def language_matcher_invalidate() -> None:
    _matcher_for.cache_clear()


# --- checking ------------------------------------------------------------------------------------------
def language_check_text(
    *,
    text: str,
    source: str,
    author: Actor,
    order: WorkOrder | None = None,
    source_ref: str = "",
) -> list[LanguageFlag]:
    """Check a staff text; store one flag per hit and note them on the order (R-LG-2 CHECK)."""
    _require_source(source)
    _require_staff_author(author)
    hits = language_matcher().check(text or "")
    if not hits:
        return []
    with transaction.atomic():
        flags = [
            _flag_create(hit, text=text, source=source, author=author, order=order, source_ref=source_ref)
            for hit in hits
        ]
        if order is not None:
            EventKind.LANGUAGE_FLAGGED.record(
                order=order,
                actor=author,
                data={"source": source, "source_ref": source_ref, "flags": [f.summary() for f in flags]},
                customer_visible=False,
                rule=RULE,
            )
    return flags


def typing_suggestions(text: str) -> list[dict[str, Any]]:
    """Live hints while an agent types a reply: hits near the end with professional rewordings."""
    return [_hint(hit) for hit in language_matcher().typing_hints(text or "")]


def _hint(hit: Hit) -> dict[str, Any]:
    return {
        "start": hit.start,
        "end": hit.end,
        "text": hit.text,
        "phrase_id": hit.phrase_id,
        "rule_id": hit.rule_id,
        "category": hit.category,
        "severity": hit.severity,
        "suggestions": list(hit.suggestions),
    }


def _require_source(source: str) -> None:
    if source not in Source.values:
        raise Invalid(ErrorCode.LANGUAGE_SOURCE_UNKNOWN, field="source")


def _require_staff_author(author: Actor) -> None:
    if author.role == Party.CUSTOMER:
        raise Invalid(ErrorCode.LANGUAGE_AUTHOR_NOT_STAFF, field="author")


def _flag_create(
    hit: Hit, *, text: str, source: str, author: Actor, order: WorkOrder | None, source_ref: str
) -> LanguageFlag:
    excerpt_start = max(0, hit.start - EXCERPT_MARGIN)
    return LanguageFlag.objects.create(
        order=order,
        centre_id=order.centre_id if order is not None else author.centre_id,
        source=source,
        source_ref=source_ref[:100],
        excerpt=text[excerpt_start : hit.end + EXCERPT_MARGIN],
        excerpt_start=excerpt_start,
        start=hit.start,
        end=hit.end,
        matched_text=hit.text[:100],
        phrase_id=hit.phrase_id,
        rule_id=hit.rule_id,
        category=hit.category,
        severity=hit.severity,
        pattern=hit.pattern[:100],
        suggestions=list(hit.suggestions),
        left_context=hit.left_context,
        right_context=hit.right_context,
        author=author.staff,
        author_role=author.role,
        author_name=author.name,
        created_at=clock.now(),
    )


# --- review --------------------------------------------------------------------------------------------
def language_flag_confirm(*, flag: LanguageFlag, actor: Actor, note: str = "") -> LanguageFlag:
    """A reviewer confirms a forbidden use; it counts against the author (R-LG-2, R-QA-4)."""
    _require_reviewer(actor)
    with transaction.atomic():
        locked = _lock_open(flag, actor)
        _review(locked, actor, state=LanguageFlag.State.CONFIRMED, note=note.strip())
    return locked


def language_flag_dismiss(*, flag: LanguageFlag, actor: Actor, note: str) -> LanguageFlag:
    """A reviewer marks a false positive; the context is learned so it is not flagged again."""
    _require_reviewer(actor)
    reason = (note or "").strip()
    if not reason:
        raise Invalid(ErrorCode.DISMISS_REASON_REQUIRED, field="note")
    with transaction.atomic():
        locked = _lock_open(flag, actor)
        rule = _rule_persist(locked.as_hit(), actor=actor, reason=reason)
        _review(locked, actor, state=LanguageFlag.State.DISMISSED, note=reason, rule=rule)
        transaction.on_commit(language_matcher_invalidate)
    return locked


def _require_reviewer(actor: Actor) -> None:
    if not can_review_language(actor):
        raise Forbidden(ErrorCode.LANGUAGE_REVIEW_FORBIDDEN)


def _lock_open(flag: LanguageFlag, actor: Actor) -> LanguageFlag:
    locked = LanguageFlag.objects.select_for_update().filter(pk=flag.pk).first()
    if locked is None or not language_flag_is_visible_to(locked, actor):
        raise NotFound(ErrorCode.FLAG_NOT_FOUND)
    if locked.state != LanguageFlag.State.OPEN:
        raise DomainError(ErrorCode.FLAG_ALREADY_REVIEWED)
    return locked


_REVIEWED: dict[str, EventKind] = {
    LanguageFlag.State.CONFIRMED: EventKind.LANGUAGE_FLAG_CONFIRMED,
    LanguageFlag.State.DISMISSED: EventKind.LANGUAGE_FLAG_DISMISSED,
}


def _review(
    flag: LanguageFlag, actor: Actor, *, state: str, note: str, rule: LanguageRule | None = None
) -> None:
    flag.state = state
    flag.reviewed_by = actor.staff
    flag.reviewed_at = clock.now()
    flag.review_note = note[:300]
    flag.dismissal_rule = rule
    flag.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "dismissal_rule"])
    if flag.order is not None:
        _REVIEWED[state].record(
            order=flag.order,
            actor=actor,
            reason=flag.review_note,
            data={"flag": flag.pk, "phrase_id": flag.phrase_id, "text": flag.matched_text},
            customer_visible=False,
            rule=RULE,
        )


def _rule_persist(hit: Hit, *, actor: Actor, reason: str) -> LanguageRule:
    """Learn a context rule with the matcher (on a private copy) and store it; re-enable a disabled one."""
    shared = language_matcher()
    learned: ContextRule = shared.with_rules(shared.learned_rules).dismiss(hit, reason=reason)
    rule, created = LanguageRule.objects.get_or_create(
        key=learned.id,
        defaults={"phrase_id": learned.phrase_id, "rule": learned.to_dict(), "created_by": actor.staff},
    )
    if not created and not rule.active:
        rule.active = True
        rule.save(update_fields=["active", "updated_at"])
    return rule
