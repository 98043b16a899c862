"""The quality capability's rules of the lifecycle moves (declared in ``RULES``, read by the rulebook).

- every move: a reason written by staff is checked for forbidden phrases (R-LG-2, source "event_reason");
- lapsed mandatory training blocks assignment through dispatch's eligibility reasons (R-QA-7 → R-DI-2).
"""

from __future__ import annotations

from doorstep.network.roles import UNSCOPED
from doorstep.orders.rulebook import ALL_ACTIONS, MoveContext, Rule, effect
from doorstep.quality.models import Source
from doorstep.quality.services.language import language_check_text


def reason_language_checked(ctx: MoveContext) -> None:
    """A reason written by staff for a move goes through the forbidden-phrase check."""
    actor, event = ctx.actor, ctx.event
    if actor.staff is None or actor.role in UNSCOPED or event is None:
        return
    if event.reason.strip():
        language_check_text(
            text=event.reason,
            source=Source.EVENT_REASON,
            author=actor,
            order=ctx.order,
            source_ref=f"event:{event.seq}",
        )


RULES: list[Rule] = [
    effect(ALL_ACTIONS, reason_language_checked, "R-LG-2"),
]
