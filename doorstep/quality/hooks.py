"""The quality capability's rules on the order lifecycle, registered from ``QualityConfig.ready``.

- every move: a reason written by staff is checked for forbidden phrases (R-LG-2, source "event_reason");
- ``assign``: lapsed mandatory training blocks the technician (R-QA-7 feeding R-DI-2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from doorstep.orders import hooks
from doorstep.orders.lifecycle import Action
from doorstep.quality.models import Source

if TYPE_CHECKING:
    from doorstep.core.actors import Actor
    from doorstep.orders.lifecycle import Move
    from doorstep.orders.models import WorkOrder


@hooks.effect(*Action.values)
def check_reason_language(order: WorkOrder, move: Move, actor: Actor, data: dict[str, Any]) -> None:
    """R-LG-2: a move's reason written by staff goes through the forbidden-phrase check."""
    from doorstep.quality.services.language import language_check_text

    if actor.staff is None or actor.role in ("customer", "system"):
        return
    event = order.events.filter(kind=move.action.value).order_by("-seq").first()
    reason = event.reason if event is not None else ""
    if reason.strip():
        language_check_text(
            text=reason,
            source=Source.EVENT_REASON,
            author=actor,
            order=order,
            source_ref=f"event:{event.seq}" if event is not None else "",
        )


# R-QA-7 → R-DI-2: lapsed mandatory training is one of the eligibility reasons of
# doorstep.dispatch.eligibility.technician_ineligibility, which the assign move checks.
