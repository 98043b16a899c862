"""R-IN-2: every messy intake record in ``intake_corpus.json`` gets its expected verdict and issues."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from doorstep.customers.parsing import CatalogueEntry, Severity, check_intake

CORPUS = json.loads((Path(__file__).parent / "intake_corpus.json").read_text(encoding="utf-8"))
TODAY = date.fromisoformat(CORPUS["today"])
CATALOGUE = [
    CatalogueEntry(item["code"], date.fromisoformat(item["launch_date"]) if item["launch_date"] else None)
    for item in CORPUS["catalogue"]
]


def test_r_in_2_corpus_is_large_and_covers_every_verdict() -> None:
    verdicts = {row["expected"]["verdict"] for row in CORPUS["records"]}
    assert len(CORPUS["records"]) >= 60
    assert verdicts == {"ok", "incomplete", "rejected"}


@pytest.mark.parametrize("row", CORPUS["records"], ids=[row["id"] for row in CORPUS["records"]])
def test_r_in_2_intake_verdict(row: dict[str, Any]) -> None:
    verdict = check_intake(row["record"], catalogue=CATALOGUE, today=TODAY, region_hint=row["region_hint"])
    found = sorted((issue.field, issue.code) for issue in verdict.issues)
    expected = sorted(tuple(item) for item in row["expected"]["issues"])
    assert (str(verdict.status), found) == (row["expected"]["verdict"], expected), row["note"]


@pytest.mark.parametrize("row", CORPUS["records"][:20], ids=[row["id"] for row in CORPUS["records"][:20]])
def test_r_in_2_every_issue_has_field_and_bilingual_reason(row: dict[str, Any]) -> None:
    overrides = {"symptom": "坏了", "product_model": "", "phone": "12812345678", "service_type": "repair"}
    record = {**row["record"], **overrides, "preferred_time": "明天"}
    verdict = check_intake(record, catalogue=CATALOGUE, today=TODAY, region_hint=row["region_hint"])
    assert verdict.issues
    for issue in verdict.issues:
        assert issue.field and issue.code.startswith(issue.field)
        assert issue.zh and issue.en and issue.severity in set(Severity)
    assert verdict.incomplete_items == ["phone", "product_model", "symptom"]


def test_r_in_2_ok_verdict_returns_normalised_values() -> None:
    record = {
        "customer_name": " 王先生 ",
        "phone": "＋８６ １３８-１２３４-５６７８",
        "address": "朝阳区人民大街5688号",
        "product_model": "kfr 35gw bpr3",
        "purchase_date": "2024年5月3日",
        "symptom": "空调不制冷",
        "service_type": "维修",
        "preferred_time": "明天下午",
    }
    verdict = check_intake(record, catalogue=CATALOGUE, today=TODAY, region_hint="长春市")
    assert str(verdict.status) == "ok"
    values = verdict.normalized
    assert values["phone"] == "+8613812345678" and values["phone_kind"] == "mobile"
    assert values["product_model"] == "KFR-35GW/BpR3"
    assert values["purchase_date"] == "2024-05-03"
    assert values["service_type"] == "repair"
    assert values["address"]["city"] == "长春市" and values["address"]["adcode"] == "220104"
    assert values["address"]["lat"] == pytest.approx(43.83, abs=0.05)


def test_r_in_2_bare_landline_uses_hint_city_area_code() -> None:
    record = dict(CORPUS["records"][0]["record"], phone="8765 4321", address="中山路100号")
    verdict = check_intake(record, catalogue=CATALOGUE, today=TODAY, region_hint="深圳市")
    assert verdict.normalized["phone"] == "+8675587654321"
    assert verdict.normalized["phone_area_code_assumed"] == "0755"
    assert [issue.code for issue in verdict.issues] == ["address.region_unknown"]
