"""Reads of the quality loop, always scoped to the actor (R-PV-1)."""

from doorstep.quality.selectors.language import (
    can_review_language,
    language_flag_counts,
    language_flag_is_visible_to,
    language_flags_visible_to,
    language_review_queue,
)

__all__ = [
    "can_review_language",
    "language_flag_counts",
    "language_flag_is_visible_to",
    "language_flags_visible_to",
    "language_review_queue",
]
