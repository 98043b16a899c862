"""R-LG-2 / R-LG-3: every text of the labelled corpus gets exactly its expected hit list.

The corpus (tests/language/corpus.tsv) holds order notes, SMS, WeChat replies and call transcripts,
clear cases and tricky ones (the customer's own words, training material, polite questions, offers
of help, surprise, agreement, longer words, denials, a harmless use next to a real one).
"""

from __future__ import annotations

import pytest

from doorstep.quality.language import LanguageMatcher, default_library

from .corpus import KINDS, Case, load, score

CASES = load()


@pytest.fixture(scope="module")
def matcher() -> LanguageMatcher:
    return LanguageMatcher()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_r_lg_2_corpus_text_gets_its_exact_hit_list(matcher: LanguageMatcher, case: Case) -> None:
    """R-LG-2: the checker's hits for one labelled text, in order, each with a professional rewording."""
    hits = matcher.check(case.text)
    assert tuple(hit.phrase_id for hit in hits) == case.expected, case.text
    for hit in hits:
        assert hit.suggestions, hit.phrase_id
        assert case.text[hit.start : hit.end] == hit.text


def test_r_lg_2_corpus_size_and_mix() -> None:
    """R-LG-2: at least 200 texts of the four kinds, at least 60 tricky ones, every phrase id used."""
    assert len(CASES) >= 200
    assert sum(case.tricky for case in CASES) >= 60
    assert {case.kind for case in CASES} == set(KINDS)
    known = {phrase.id for phrase in default_library().forbidden}
    used = {pid for case in CASES for pid in case.expected}
    assert used <= known


def test_r_lg_2_no_false_flag_on_clean_texts(matcher: LanguageMatcher) -> None:
    """R-LG-2: precision and recall over the corpus are both 1.0; no clean text is flagged."""
    result = score(CASES, [tuple(h.phrase_id for h in matcher.check(case.text)) for case in CASES])
    assert result.clean_flagged == 0
    assert (result.precision, result.recall) == (1.0, 1.0)
