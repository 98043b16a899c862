"""Symptom -> fault case suggestions for triage (R-AN-1).

The customer's own words ("空调开了半天不凉快") are matched against the knowledge base with
character n-gram TF-IDF: it works offline, needs no word segmentation for Chinese and tolerates
the colloquial, typo-ridden way symptoms are reported. :class:`SymptomMatcher` is the interface
the Django side depends on; :class:`TfidfSymptomMatcher` is the shipped implementation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .cases import FaultCase, product_line_key, seed_cases

DEFAULT_K = 3
DEFAULT_MIN_SCORE = 0.1
DEFAULT_MIN_COVERAGE = 0.2

# Punctuation and symbols become word boundaries, so n-grams never span two phrases.
_BOUNDARY = re.compile(r"[^\w]+|_")


@dataclass(frozen=True, slots=True)
class CaseMatch:
    """A suggested case and its cosine similarity to the reported symptom (0..1)."""

    case: FaultCase
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case.to_dict(), "score": round(self.score, 4)}


@runtime_checkable
class SymptomMatcher(Protocol):
    """Suggests knowledge-base cases for a free-text symptom (R-AN-1)."""

    @property
    def cases(self) -> Sequence[FaultCase]: ...

    def suggest(
        self, symptom: str, *, product_line: str | None = None, k: int = DEFAULT_K
    ) -> list[CaseMatch]:
        """Top ``k`` cases, best first; an empty list when nothing is similar enough."""
        ...

    def add_case(self, case: FaultCase) -> None:
        """Add or replace (same id) a case, e.g. a cause recorded at order closure."""
        ...


def preprocess(text: str) -> str:
    """NFKC-fold, lower-case and turn punctuation into spaces (R-AN-1 matching input)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _BOUNDARY.sub(" ", folded).strip()


class TfidfSymptomMatcher:
    """Character n-gram TF-IDF over case wordings, cosine similarity (R-AN-1).

    ``cases`` defaults to the shipped knowledge base. A query is answered only if at least
    ``min_coverage`` of its character bigrams occur in the base (so "hello world" or
    "今天天气不错" give nothing), and only cases scoring ``min_score`` or more are returned.
    Adding a case refits the vectoriser; with a few hundred cases that takes milliseconds.
    """

    def __init__(
        self,
        cases: Iterable[FaultCase] | None = None,
        *,
        ngram_range: tuple[int, int] = (1, 3),
        min_score: float = DEFAULT_MIN_SCORE,
        min_coverage: float = DEFAULT_MIN_COVERAGE,
    ) -> None:
        self._cases: list[FaultCase] = list(seed_cases() if cases is None else cases)
        self.ngram_range = ngram_range
        self.min_score = min_score
        self.min_coverage = min_coverage
        self._vectorizer: TfidfVectorizer | None = None
        self._matrix: Any = None
        self._lines: np.ndarray = np.array([], dtype=object)
        self.refit()

    @property
    def cases(self) -> Sequence[FaultCase]:
        return tuple(self._cases)

    def refit(self) -> None:
        """Rebuild the TF-IDF index from the current cases."""
        self._lines = np.array([case.product_line for case in self._cases], dtype=object)
        documents = [preprocess(case.document()) for case in self._cases]
        if not any(documents):
            self._vectorizer, self._matrix = None, None
            return
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.ngram_range,
            preprocessor=preprocess,
            sublinear_tf=True,
        )
        self._matrix = self._vectorizer.fit_transform(documents)

    def add_case(self, case: FaultCase) -> None:
        """Add or replace a case and refit (R-AN-1: the base is fed by past orders)."""
        self.add_cases([case])

    def add_cases(self, cases: Iterable[FaultCase]) -> None:
        """Add or replace several cases with one refit."""
        by_id = {case.id: index for index, case in enumerate(self._cases)}
        for case in cases:
            if case.id in by_id:
                self._cases[by_id[case.id]] = case
            else:
                by_id[case.id] = len(self._cases)
                self._cases.append(case)
        self.refit()

    def remove_case(self, case_id: str) -> bool:
        """Remove a case by id; returns whether it existed."""
        kept = [case for case in self._cases if case.id != case_id]
        removed = len(kept) != len(self._cases)
        if removed:
            self._cases = kept
            self.refit()
        return removed

    def suggest(
        self, symptom: str, *, product_line: str | None = None, k: int = DEFAULT_K
    ) -> list[CaseMatch]:
        """Top ``k`` cases for a colloquial symptom, optionally within one product line."""
        scores = self._scores(symptom)
        if scores is None or k <= 0:
            return []
        if product_line is not None:
            scores = np.where(self._lines == product_line_key(product_line), scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [CaseMatch(self._cases[i], float(scores[i])) for i in order if scores[i] >= self.min_score]

    def coverage(self, symptom: str) -> float:
        """Share of the query's character bigrams known to the base (0..1)."""
        if self._vectorizer is None:
            return 0.0
        grams = [g for g in self._vectorizer.build_analyzer()(symptom) if len(g.strip()) == 2]
        if not grams:
            return 0.0
        vocabulary = self._vectorizer.vocabulary_
        return sum(1 for g in grams if g in vocabulary) / len(grams)

    def _scores(self, symptom: str) -> np.ndarray | None:
        if self._vectorizer is None or not preprocess(symptom or ""):
            return None
        if self.coverage(symptom) < self.min_coverage:
            return None
        query = self._vectorizer.transform([symptom])
        if query.nnz == 0:
            return None
        return np.asarray((self._matrix @ query.T).toarray()).ravel()


def suggest_cases(symptom: str, *, product_line: str | None = None, k: int = DEFAULT_K) -> list[CaseMatch]:
    """One-off suggestion against the shipped knowledge base (builds a matcher each call)."""
    return TfidfSymptomMatcher().suggest(symptom, product_line=product_line, k=k)
