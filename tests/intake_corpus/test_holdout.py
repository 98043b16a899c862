"""R-IN-2: the held-out probe (``holdout.py``) — verdict, exact problem set and district."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from doorstep.customers.parsing import check_intake
from tests.intake_corpus.holdout import CASES, CAT, OK

VERDICTS = {"ok": "complete", "incomplete": "incomplete", "rejected": "reject"}


def _expected_verdict(problems: list[str]) -> str:
    phone = any(p.startswith("phone.") for p in problems)
    name = any(p.startswith("customer_name.") for p in problems)
    return "reject" if phone and name else "incomplete" if problems else "complete"


@pytest.mark.parametrize(("swap", "problems", "district"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_r_in_2_holdout(swap: dict[str, Any], problems: list[str], district: tuple[Any, ...] | None) -> None:
    r = {**OK, **swap}
    record = {
        "customer_name": r["name"],
        "phone": r["phone"],
        "address": r["address"],
        "product_model": r["model"],
        "purchase_date": r["date"],
        "symptom": r["symptom"],
        "service_type": r["service"],
    }
    out = check_intake(record, catalogue=CAT, today=date(2026, 12, 2), region_hint=r["hint"])
    assert (VERDICTS[str(out.status)], sorted(i.code for i in out.issues)) == (
        _expected_verdict(problems),
        sorted(problems),
    )
    if district:
        address = out.normalized["address"]
        assert (address["province"], address["city"], address["district"]) == district
