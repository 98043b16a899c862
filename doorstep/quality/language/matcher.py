"""Forbidden-phrase matching over staff-written text (R-LG-2, R-LG-3).

Texts written by staff (order notes, SMS, chat replies, call transcripts) are scanned with an
Aho-Corasick automaton built once from the phrase library. Matching runs on a normalised copy of
the text (full-width/half-width punctuation, spaces, traditional characters); every
:class:`Hit` reports positions in the ORIGINAL text together with the rule id, the phrase id and
the professional rewording to suggest. Context rules (built-in exceptions and learned
dismissals, see :mod:`.context`) remove uses that are not the forbidden act.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

import ahocorasick

from .context import DEFAULT_ANCHOR, DEFAULT_THRESHOLD, DEFAULT_WINDOW, ContextRule, rules_from_dicts
from .library import ForbiddenPhrase, PhraseLibrary, default_library, load_json
from .normalize import Normalized, normalize, normalize_pattern
from .speech import Reading, judge

TYPING_TAIL = 120
MERGE_GAP = 2  # normalised characters between two parts of the same listed phrase


@dataclass(frozen=True, slots=True)
class Hit:
    """One flagged phrase. ``start``/``end`` index the original text (half-open, Python slicing)."""

    start: int
    end: int
    text: str
    phrase_id: str
    rule_id: str
    category: str
    severity: str
    pattern: str
    suggestions: tuple[str, ...]
    source: str
    left_context: str = ""
    right_context: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["suggestions"] = list(self.suggestions)
        return data


@dataclass(frozen=True, slots=True)
class _Raw:
    """A match in normalised coordinates, before mapping back and context filtering."""

    start: int
    end: int
    phrase: ForbiddenPhrase
    pattern: str


class PatternIndex:
    """The Aho-Corasick automaton over all patterns of a library's forbidden phrases."""

    def __init__(self, library: PhraseLibrary) -> None:
        self.library = library
        self._automaton = ahocorasick.Automaton()
        self.max_pattern_length = 0
        entries: dict[str, list[ForbiddenPhrase]] = {}
        for phrase in library.forbidden:
            for pattern in phrase.patterns:
                key = normalize_pattern(pattern)
                if key:
                    entries.setdefault(key, []).append(phrase)
        for key, phrases in entries.items():
            self._automaton.add_word(key, (key, tuple(phrases)))
            self.max_pattern_length = max(self.max_pattern_length, len(key))
        if entries:
            self._automaton.make_automaton()
        self._empty = not entries

    def scan(self, normalized: str) -> list[_Raw]:
        """All pattern occurrences in a normalised text, overlapping ones included."""
        if self._empty or not normalized:
            return []
        found: list[_Raw] = []
        for end_index, (key, phrases) in self._automaton.iter(normalized):
            start = end_index - len(key) + 1
            found.extend(_Raw(start, end_index + 1, phrase, key) for phrase in phrases)
        return found


def prune_contained(raws: list[_Raw]) -> list[_Raw]:
    """Longest match only: a match inside or overlapping a longer one is dropped (不清楚 in 我也不清楚).

    Longer matches are kept first; among equal lengths the leftmost wins. The result is in text order.
    """
    ordered = sorted(raws, key=lambda raw: (-(raw.end - raw.start), raw.start, raw.phrase.id))
    kept: list[_Raw] = []
    for raw in ordered:
        if not any(raw.start < k.end and k.start < raw.end for k in kept):
            kept.append(raw)
    merged: list[_Raw] = []
    for raw in sorted(kept, key=lambda raw: raw.start):
        last = merged[-1] if merged else None
        if last is not None and last.phrase.id == raw.phrase.id and raw.start - last.end <= MERGE_GAP:
            # Two parts of one listed phrase (我不能修好，请您退货吧) are one hit.
            merged[-1] = _Raw(last.start, raw.end, last.phrase, last.pattern + raw.pattern)
        else:
            merged.append(raw)
    return merged


def _broken(text: str, start: int, end: int) -> bool:
    """A match that is not one phrase in the original: it runs across a line break or a speaker turn,
    or it starts with a one-character answer "不，" / "没，" (不，知道了 is "no, got it")."""
    span = text[start:end]
    if "\n" in span or re.search(r"[:：]", span):
        return True
    return bool(re.match(r"^[不没]\s*[,，.。!！?？、]", span))


class LanguageMatcher:
    """Checks staff text against the forbidden phrases and context rules (R-LG-2, R-LG-3).

    ``rules`` are learned dismissals (persisted by the caller); built-in exceptions from
    ``data/exceptions.json`` are added unless ``builtin_exceptions`` is false.
    """

    def __init__(
        self,
        library: PhraseLibrary | None = None,
        rules: Iterable[ContextRule] = (),
        *,
        builtin_exceptions: bool = True,
        window: int = DEFAULT_WINDOW,
        index: PatternIndex | None = None,
    ) -> None:
        self.library = library if library is not None else default_library()
        if index is not None and index.library is not self.library:
            raise ValueError("index was built from another library")
        self.index = index or (default_index() if library is None else PatternIndex(self.library))
        self.window = window
        self.builtin_rules: list[ContextRule] = builtin_rules() if builtin_exceptions else []
        self.learned_rules: list[ContextRule] = list(rules)

    def with_rules(self, rules: Iterable[ContextRule]) -> LanguageMatcher:
        """A matcher sharing this one's automaton, with another set of learned rules."""
        clone = LanguageMatcher(
            self.library, rules, builtin_exceptions=False, window=self.window, index=self.index
        )
        clone.builtin_rules = list(self.builtin_rules)
        return clone

    def find_all(self, text: str) -> list[Hit]:
        """Every hit, before context rules; overlapping shorter matches are already pruned."""
        normalized = normalize(text)
        raws = prune_contained(self.index.scan(normalized.text))
        hits = [self._to_hit(text, normalized, raw) for raw in raws]
        return [hit for hit in hits if not _broken(text, hit.start, hit.end)]

    def assess(self, text: str) -> list[tuple[Hit, str | None]]:
        """Every hit with the reason it is not a forbidden use (``None``: it is one), in text order.

        Reasons are a context rule's id (learned dismissal or built-in exception) or a reading of the
        sentence (:func:`.speech.judge`: the customer's words, a mention in training material, a
        polite question, an offer of help, surprise, agreement, a longer word, a denial…).
        """
        hits = self.find_all(text)
        if not hits:
            return []
        reading = Reading.of(text)
        assessed: list[tuple[Hit, str | None]] = []
        for hit in hits:
            rule = self.exempting_rule(hit)
            reason = (
                rule.id
                if rule is not None
                else judge(reading, hit.start, hit.end, hit.phrase_id, hit.category)
            )
            assessed.append((hit, reason))
        return assessed

    def check(self, text: str) -> list[Hit]:
        """Hits that staff say to the customer as a refusal or disparagement, in text order (R-LG-2 CHECK)."""
        return [hit for hit, reason in self.assess(text) if reason is None]

    def exempting_rule(self, hit: Hit) -> ContextRule | None:
        """The first rule (learned before built-in) that exempts ``hit``, if any."""
        for rule in (*self.learned_rules, *self.builtin_rules):
            if rule.applies(hit.phrase_id, hit.left_context, hit.right_context):
                return rule
        return None

    def dismiss(
        self,
        hit: Hit,
        *,
        reason: str = "",
        anchor: int = DEFAULT_ANCHOR,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> ContextRule:
        """Learn a dismissal of ``hit`` (a reviewer marked it a false positive) and return the rule.

        The rule is added to this matcher; the caller persists ``rule.to_dict()``.
        Dismissing the same hit context twice returns the existing rule.
        """
        rule = learn_rule(hit, reason=reason, anchor=anchor, threshold=threshold)
        for existing in self.learned_rules:
            if existing.id == rule.id:
                return existing
        self.learned_rules.append(rule)
        return rule

    def typing_hints(self, text: str, *, tail: int = TYPING_TAIL) -> list[Hit]:
        """Hits in the last ``tail`` characters of a reply being typed, positions in ``text``.

        Only the end of the text is scanned (plus enough characters before it for patterns and
        context windows), so the cost per keystroke does not grow with the length of the reply.
        A hit at the very end may disappear once the sentence continues (its right context grows).
        """
        margin = tail + self.index.max_pattern_length + self.window
        offset = max(0, len(text) - margin)
        hits = self.check(text[offset:])
        boundary = len(text) - tail
        return [_shift(hit, offset) for hit in hits if hit.end + offset > boundary]

    def _to_hit(self, text: str, normalized: Normalized, raw: _Raw) -> Hit:
        start, end = normalized.span(raw.start, raw.end)
        left = normalized.text[max(0, raw.start - self.window) : raw.start]
        right = normalized.text[raw.end : raw.end + self.window]
        phrase = raw.phrase
        return Hit(
            start,
            end,
            text[start:end],
            phrase.id,
            phrase.rule_id,
            phrase.category,
            phrase.severity,
            raw.pattern,
            phrase.suggestions,
            phrase.source,
            left,
            right,
        )


def _shift(hit: Hit, offset: int) -> Hit:
    return hit if offset == 0 else replace(hit, start=hit.start + offset, end=hit.end + offset)


def learn_rule(
    hit: Hit,
    *,
    reason: str = "",
    anchor: int = DEFAULT_ANCHOR,
    threshold: float = DEFAULT_THRESHOLD,
) -> ContextRule:
    """A ``similar``-mode context rule from a dismissed hit; the id is stable for the same context."""
    digest = hashlib.sha1(
        f"{hit.phrase_id}\x00{hit.left_context}\x00{hit.right_context}".encode(), usedforsecurity=False
    ).hexdigest()[:12]
    return ContextRule(
        id=f"DISMISS-{hit.phrase_id}-{digest}",
        phrase_id=hit.phrase_id,
        left=hit.left_context,
        right=hit.right_context,
        mode="similar",
        anchor=anchor,
        threshold=threshold,
        reason=reason,
    )


@cache
def builtin_rules_data() -> tuple[ContextRule, ...]:
    """Built-in exceptions shipped in ``data/exceptions.json`` (read once)."""
    return tuple(rules_from_dicts(load_json("exceptions.json")["rules"]))


def builtin_rules() -> list[ContextRule]:
    """A fresh list of the built-in exceptions."""
    return list(builtin_rules_data())


@cache
def default_index() -> PatternIndex:
    """The automaton over the shipped library, built once per process."""
    return PatternIndex(default_library())


@cache
def default_matcher() -> LanguageMatcher:
    """A shared matcher with the shipped library and built-in exceptions, no learned rules.

    Shared across callers: use :meth:`LanguageMatcher.with_rules` to add learned rules rather
    than calling :meth:`LanguageMatcher.dismiss` on it.
    """
    return LanguageMatcher()


def check_text(text: str, rules: Iterable[ContextRule] = ()) -> list[Hit]:
    """Check ``text`` with the shipped library, built-in exceptions and the given learned rules."""
    learned = list(rules)
    matcher = default_matcher().with_rules(learned) if learned else default_matcher()
    return matcher.check(text)


def typing_hints(text: str, rules: Iterable[ContextRule] = (), *, tail: int = TYPING_TAIL) -> list[Hit]:
    """Suggestions while an agent types a reply (R-LG-2): hits near the end of ``text``."""
    learned = list(rules)
    matcher = default_matcher().with_rules(learned) if learned else default_matcher()
    return matcher.typing_hints(text, tail=tail)
