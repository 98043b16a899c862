"""R-IN-2 product model: tolerant matching and near-miss suggestions."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.customers.parsing import Catalogue, CatalogueEntry, match_model, model_key

CATALOGUE = Catalogue([CatalogueEntry("KFR-35GW/BpR3", date(2022, 3, 1)), "KFR-26GW/N1", "BCD-470WDPG"])


@pytest.mark.parametrize(
    "typed", ["kfr-35gw/bpr3", "ＫＦＲ－３５ＧＷ／ＢｐＲ３", "KFR 35GW BpR3", "kfr35gwbpr3"]
)
def test_r_in_2_tolerant_match(typed: str) -> None:
    match = match_model(typed, CATALOGUE)
    assert match.code == "KFR-35GW/BpR3" and not match.issues
    assert match.entry is not None and match.entry.launch_date == date(2022, 3, 1)


def test_r_in_2_near_miss_suggestions() -> None:
    match = match_model("KFR-36GW/BpR3", CATALOGUE)
    assert match.code is None and match.suggestions[0] == "KFR-35GW/BpR3"
    assert [issue.code for issue in match.issues] == ["product_model.unknown"]


def test_r_in_2_unknown_and_missing() -> None:
    assert match_model("ZZZ", ["A-1"]).issues[0].suggestions == ()
    assert match_model("不知道", CATALOGUE).issues[0].code == "product_model.missing"
    assert match_model({"X-1": None}.get("x"), {"X-1": None}).issues[0].code == "product_model.missing"


def test_model_key() -> None:
    assert model_key(" ｋｆｒ－35 gw_/x ") == "KFR35GWX"
