"""The labelled service-language corpus (R-LG-2, R-LG-3): loading and scoring.

``corpus.tsv`` beside this file holds staff texts (order notes, SMS, WeChat replies, call transcripts)
with the exact list of hits each must produce. Used by the parametrised test and by
``benchmarks/language/run.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus.tsv")
KINDS = ("note", "sms", "wechat", "call")


@dataclass(frozen=True, slots=True)
class Case:
    line: int
    kind: str
    tricky: bool
    expected: tuple[str, ...]
    text: str

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.kind}"


def _unescape(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\\n", "\n")


def load(path: Path = CORPUS) -> list[Case]:
    cases: list[Case] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        kind, tricky, expected, text = raw.split("\t", 3)
        if kind not in KINDS or tricky not in ("0", "1"):
            raise ValueError(f"{path.name}:{number}: bad kind or tricky flag")
        ids = () if expected == "-" else tuple(expected.split(","))
        cases.append(Case(number, kind, tricky == "1", ids, _unescape(text)))
    return cases


@dataclass(frozen=True, slots=True)
class Score:
    texts: int
    tricky: int
    true_positives: int
    false_positives: int
    false_negatives: int
    exact: int
    exact_tricky: int
    clean_texts: int
    clean_flagged: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def score(cases: list[Case], predicted: list[tuple[str, ...]]) -> Score:
    """Hits are compared as multisets of phrase ids per text; "exact" means the same list in order."""
    tp = fp = fn = exact = exact_tricky = clean = clean_flagged = 0
    for case, got in zip(cases, predicted, strict=True):
        want, have = Counter(case.expected), Counter(got)
        tp += sum((want & have).values())
        fp += sum((have - want).values())
        fn += sum((want - have).values())
        if tuple(got) == case.expected:
            exact += 1
            exact_tricky += case.tricky
        if not case.expected:
            clean += 1
            clean_flagged += bool(got)
    return Score(
        len(cases), sum(c.tricky for c in cases), tp, fp, fn, exact, exact_tricky, clean, clean_flagged
    )
