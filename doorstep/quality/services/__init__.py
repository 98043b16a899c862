"""Writes of the quality loop (docs/standard.md §8–9). Language checks are re-exported for callers."""

from doorstep.quality.services.language import (
    language_check_text,
    language_flag_confirm,
    language_flag_dismiss,
    language_matcher,
    language_matcher_invalidate,
    typing_suggestions,
)

__all__ = [
    "language_check_text",
    "language_flag_confirm",
    "language_flag_dismiss",
    "language_matcher",
    "language_matcher_invalidate",
    "typing_suggestions",
]
