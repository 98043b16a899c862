"""R-AN-1 / R-AN-2: the shipped knowledge base."""

from __future__ import annotations

import json
from collections import Counter

from doorstep.catalog.knowledge import PRODUCT_LINES, FaultCase, load_cases_json, seed_cases


def test_r_an_1_each_product_line_has_at_least_12_cases() -> None:
    """R-AN-1: a fault knowledge base per product line."""
    counts = Counter(case.product_line for case in seed_cases())
    assert set(counts) == set(PRODUCT_LINES)
    assert min(counts.values()) >= 12


def test_r_an_1_cases_are_complete_and_ids_unique() -> None:
    """R-AN-1: every case has symptom wording, causes and measures; R-AN-2 cases have a script."""
    cases = seed_cases()
    assert len({case.id for case in cases}) == len(cases)
    for case in cases:
        assert case.symptom and case.technical and case.causes and case.measures, case.id
        if case.phone_solvable:
            assert case.phone_script, case.id


def test_r_an_1_case_round_trips_through_json() -> None:
    """R-AN-1: cases serialise for the Django side and load back unchanged."""
    cases = seed_cases()
    text = json.dumps({"cases": [case.to_dict() for case in cases]}, ensure_ascii=False)
    assert load_cases_json(text) == cases
    assert (
        FaultCase.from_dict({"id": "x", "product_line": "光猫", "symptom": "s"}).product_line == "broadband"
    )


def test_r_an_2_phone_scripts_pass_the_language_check() -> None:
    """R-AN-2/R-LG-2: scripted phone answers and measures contain no forbidden phrase."""
    from doorstep.quality.language import check_text

    for case in seed_cases():
        for text in (case.phone_script or "", *case.measures):
            assert check_text(text) == [], (case.id, text)
