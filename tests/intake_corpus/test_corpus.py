"""R-IN-1/R-IN-2/R-IN-6: the labelled corpus (``corpus.json``, built by ``build.py``) gets its expected
verdict, exact problem set, district, model and fault items from the rules, and the same verdict and
problems through every channel: the agent's console, WeChat, the self-booking form, the partner API and a
CSV import."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.intake_corpus.runner import CHANNELS, corpus, pure, run_channel, run_duplicate, setup_catalogue

DATA = corpus()
ROWS = DATA["records"]
DUMP = os.environ.get("INTAKE_CORPUS_ANSWERS")  # benchmarks/intake/corpus.py: where to write the answers


def _dump(name: str, answers: dict[str, Any]) -> None:
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / f"{name}.json").write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")


def test_r_in_2_corpus_covers_every_rule_and_channel() -> None:
    problems = Counter(p for row in ROWS for p in row["expected"]["problems"])
    assert len(ROWS) + len(DATA["duplicates"]) >= 300
    assert {row["expected"]["verdict"] for row in ROWS} == {"complete", "incomplete", "reject"}
    assert {row["channel"] for row in ROWS} == set(CHANNELS)
    from doorstep.customers.parsing.issues import Problem

    assert set(problems) == {str(p) for p in Problem}  # every problem kind of the vocabulary is labelled
    assert all(count >= 5 for count in problems.values())


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_r_in_2_rules(row: dict[str, Any]) -> None:
    expected, got = row["expected"], pure(row, DATA)
    assert (got.verdict, got.problems) == (expected["verdict"], expected["problems"]), row["note"]
    if expected["district"]:
        assert got.district == expected["district"], row["note"]
    assert got.model == expected["model"], row["note"]  # R-IN-2: a typo-level variant is matched
    assert got.faults == expected["faults"], row["note"]  # R-IN-6: several faults, several items


@pytest.fixture
def corpus_day() -> Any:
    """The labels are read on the corpus's own day (``today`` in corpus.json), as ``pure`` reads them: a
    purchase date "in the future" or "three years ago" is so relative to that day, whatever the run's."""
    day = date.fromisoformat(DATA["today"])
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("channel", CHANNELS)
def test_r_in_1_same_verdict_through_every_channel(corpus_day, world, channel: str) -> None:  # type: ignore[no-untyped-def]
    setup_catalogue(world.brand, DATA)
    answers = run_channel(world, channel, ROWS)
    _dump(
        f"channel-{channel}", {k: {"verdict": a.verdict, "problems": a.problems} for k, a in answers.items()}
    )
    wrong = [
        (row["id"], row["note"], answers[row["id"]], row["expected"]["verdict"], row["expected"]["problems"])
        for row in ROWS
        if (answers[row["id"]].verdict, answers[row["id"]].problems)
        != (row["expected"]["verdict"], row["expected"]["problems"])
    ]
    assert wrong == []


DUPLICATES = DATA["duplicates"]


@pytest.mark.django_db
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", DUPLICATES, ids=[case["id"] for case in DUPLICATES])
def test_r_in_2_duplicates_through_every_channel(world, channel: str, case: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Same normalised phone and product line as an earlier open order within 72 h: linked to the earliest,
    with its own verdict; near misses (another line, 73 h, another phone, a closed order) are new orders."""
    setup_catalogue(world.brand, DATA)
    answer, earlier = run_duplicate(world, channel, case)
    expected = earlier[case.get("linked_to", 0)] if case["duplicate"] else None
    _dump(f"duplicate-{case['id']}-{channel}", {"expected": expected, "got": answer.duplicate_of})
    if case["duplicate"]:
        assert answer.duplicate_of == earlier[case.get("linked_to", 0)], case["note"]
    else:
        assert answer.duplicate_of is None, case["note"]
    if "verdict" in case:
        assert answer.verdict == case["verdict"], case["note"]
