"""R-LG-1 / R-LG-3: the phrase library extracted from the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.quality.language import (
    ConductItem,
    ForbiddenPhrase,
    StandardPhrase,
    default_library,
    standard_phrases,
)

SEEDS_DIR = Path(__file__).resolve().parents[4].parent / "shared" / "seeds"
SEED_FILES = {
    "000_581f09bd1d523364.txt",
    "001_09dc066c1be5fbf1.txt",
    "002_99577a95e76ef8b8.txt",
    "003_ce58c8e630210d83.txt",
    "004_5af6f4316135e085.txt",
}


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("greeting", "您好"),
        ("phone_answer", "您好!明基服务"),
        ("self_introduction", "您好,我是中国移动宽带安装维护员,我叫**,很高兴见到您"),
        ("apology", "对不起,让您久等了"),
        ("farewell", "对不起,耽误了您的时间。今后有问题欢迎拨打我们的服务电话,再见!"),
        ("phone_closing", "打扰您了,再见"),
    ],
)
def test_r_lg_1_standard_phrase_lookup_by_situation(situation: str, expected: str) -> None:
    """R-LG-1: standard phrases are looked up by situation."""
    texts = [phrase.text for phrase in standard_phrases(situation)]
    assert expected in texts
    assert all(phrase.rule_id == "R-LG-1" for phrase in standard_phrases(situation))


def test_r_lg_1_templates_render_brand_and_name() -> None:
    """R-LG-1: scripts with a brand/name placeholder render for a given brand."""
    (phrase,) = [p for p in standard_phrases("phone_answer") if p.template]
    assert phrase.render(brand="海尔") == "您好!海尔服务"
    assert phrase.render() == "您好!{brand}服务"


def test_r_lg_1_every_situation_has_phrases_and_a_label() -> None:
    """R-LG-1: each declared situation has at least one phrase."""
    library = default_library()
    for situation in library.situations:
        assert library.standard_for(situation), situation
    assert {p.situation for p in library.standard} <= set(library.situations)


def test_r_lg_entries_cite_rule_and_seed_file() -> None:
    """R-LG-1/2/3: every entry names its rule id and a seed file; ids are unique."""
    library = default_library()
    entries: list[StandardPhrase | ForbiddenPhrase | ConductItem] = [
        *library.standard,
        *library.forbidden,
        *library.conduct,
    ]
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.rule_id in {"R-LG-1", "R-LG-2", "R-LG-3"}
        assert entry.source in SEED_FILES
    for phrase in library.forbidden:
        assert phrase.suggestions and phrase.patterns


def test_r_lg_2_seed_text_is_real() -> None:
    """R-LG-2: when the seeds are at hand, the phrase texts of seed 003 occur in it."""
    seed = SEEDS_DIR / "003_ce58c8e630210d83.txt"
    if not seed.exists():
        pytest.skip("seed documents not available")
    content = seed.read_text(encoding="utf-8")
    for phrase in default_library().forbidden:
        if phrase.source == seed.name and phrase.severity == "advice":
            assert phrase.text.rstrip("…。!") in content, phrase.id
            assert all(s.rstrip("…") in content for s in phrase.suggestions), phrase.id


def test_r_lg_3_conduct_items_by_category() -> None:
    """R-LG-3: conduct rules become checklist items grouped by complaint category."""
    library = default_library()
    gifts = library.conduct_by_category("no_gifts")
    assert any("馈赠" in item.text for item in gifts)
    assert library.conduct_by_category("no_hanging_up")
    assert all(item.rule_id == "R-LG-3" for item in library.conduct)
