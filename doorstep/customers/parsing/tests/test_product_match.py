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


def test_r_in_2_typo_level_variant_is_matched_and_recorded() -> None:
    match = match_model("KFR-35GW/BpR8", ["KFR-35GW/BpR3", "BCD-470WDPG"])
    assert (match.code, match.how, match.issues) == ("KFR-35GW/BpR3", "typo", ())
    assert match_model("BCD-470WDGP", CATALOGUE).how == "typo"  # two letters swapped


def test_r_in_2_tie_between_two_models_is_not_a_match() -> None:
    match = match_model("KFR-35GW/BpR8", ["KFR-35GW/BpR3", "KFR-35GW/BpR2"])
    assert match.code is None and set(match.suggestions) == {"KFR-35GW/BpR3", "KFR-35GW/BpR2"}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "product_model.missing"),
        ("不知道", "product_model.missing"),
        ("铭牌看不清了", "product_model.not_a_model"),
        ("白色那台", "product_model.not_a_model"),
    ],
)
def test_r_in_2_model_problems(typed: str, code: str) -> None:
    assert [i.code for i in match_model(typed, CATALOGUE).issues] == [code]


def test_model_key() -> None:
    assert model_key(" ｋｆｒ－35 gw_/x ") == "KFR35GWX"
