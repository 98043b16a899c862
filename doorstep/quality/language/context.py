"""Context rules: when a forbidden phrase is not a forbidden use (R-LG-2 false positives).

"我不知道会这么快修好" contains "不知道" but is not the forbidden "不知道" answer to a customer.
A reviewer who dismisses such a hit creates a :class:`ContextRule`: the phrase id plus the
normalised context window around the hit. Later hits of the same phrase in the same or a similar
context are suppressed; other uses are still flagged.

Two modes:

``adjacent``
    exact: the text right before the hit ends with ``left`` and the text right after starts with
    ``right`` (an empty side matches anything). Used for built-in exceptions and precise rules.
``similar``
    learned from a dismissal: at least one side's adjacent ``anchor`` characters must be the same
    as at dismissal time, and the whole window must be similar (character-bigram Dice coefficient
    of at least ``threshold``).

Only the context window is stored, never the whole text, so customer details elsewhere in a note
do not end up in the rule store (R-PV-1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["adjacent", "similar"]

DEFAULT_WINDOW = 6
DEFAULT_ANCHOR = 2
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class ContextRule:
    """A stored exception for one phrase id in one context (JSON-serialisable, R-LG-2)."""

    id: str
    phrase_id: str
    left: str
    right: str
    mode: Mode = "similar"
    anchor: int = DEFAULT_ANCHOR
    threshold: float = DEFAULT_THRESHOLD
    reason: str = ""

    def applies(self, phrase_id: str, left: str, right: str) -> bool:
        """True if a hit of ``phrase_id`` with these normalised context windows is exempt."""
        if phrase_id != self.phrase_id:
            return False
        if self.mode == "adjacent":
            return left.endswith(self.left) and right.startswith(self.right)
        return self._anchored(left, right) and self.similarity(left, right) >= self.threshold

    def similarity(self, left: str, right: str) -> float:
        """Dice coefficient of character bigrams of the two context windows."""
        return dice(_window_bigrams(self.left, self.right), _window_bigrams(left, right))

    def _anchored(self, left: str, right: str) -> bool:
        return _side_matches(self.left, left, from_end=True, anchor=self.anchor) or _side_matches(
            self.right, right, from_end=False, anchor=self.anchor
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContextRule:
        return cls(
            id=str(data["id"]),
            phrase_id=str(data["phrase_id"]),
            left=str(data.get("left", "")),
            right=str(data.get("right", "")),
            mode=data.get("mode", "similar"),
            anchor=int(data.get("anchor", DEFAULT_ANCHOR)),
            threshold=float(data.get("threshold", DEFAULT_THRESHOLD)),
            reason=str(data.get("reason", "")),
        )


def _side_matches(stored: str, seen: str, *, from_end: bool, anchor: int) -> bool:
    """Compare the ``anchor`` characters next to the hit.

    A side that was empty at dismissal (the hit touched the start or end of the text) matches only
    a hit that touches the same boundary.
    """
    key = stored[-anchor:] if from_end else stored[:anchor]
    if not key:
        return not seen
    return seen.endswith(key) if from_end else seen.startswith(key)


def _window_bigrams(left: str, right: str) -> set[str]:
    # "\x00" marks where the phrase was, so bigrams never straddle it unnoticed.
    window = f"{left}\x00{right}"
    return {window[i : i + 2] for i in range(len(window) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    """Dice coefficient of two sets; 0.0 when both are empty."""
    if not a and not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def rules_to_json(rules: Iterable[ContextRule]) -> str:
    """Serialise rules as a JSON list (what the Django side stores)."""
    return json.dumps([rule.to_dict() for rule in rules], ensure_ascii=False, indent=2)


def rules_from_json(text: str) -> list[ContextRule]:
    """Parse rules serialised with :func:`rules_to_json`."""
    return [ContextRule.from_dict(item) for item in json.loads(text)]


def rules_from_dicts(items: Sequence[Mapping[str, Any]]) -> list[ContextRule]:
    """Build rules from already-decoded JSON objects (e.g. a JSONField)."""
    return [ContextRule.from_dict(item) for item in items]
