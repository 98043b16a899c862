"""Run the labelled intake corpus (``corpus.json``) through the pure rules and through every channel.

Shared by the parametrised test (``test_corpus.py``) and the benchmark (``benchmarks/intake/corpus.py``).
Each channel hands the request's raw strings in the way that channel receives them — the agent's console
(``intake_submit``), a WeChat message written as labelled lines, the self-booking form's service, the partner
API over HTTP, a CSV import — and reads back the verdict and the problem codes that channel shows (R-IN-1,
R-IN-2).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

CORPUS_PATH = Path(__file__).with_name("corpus.json")
VERDICTS = {"ok": "complete", "incomplete": "incomplete", "rejected": "reject"}
CHANNELS = ("phone", "wechat", "web", "partner", "import")


def corpus() -> dict[str, Any]:
    return json.loads(CORPUS_PATH.read_text(encoding="utf-8"))


@dataclass
class Answer:
    verdict: str
    problems: list[str]
    district: list[str | None] | None = None
    model: str | None = None
    faults: list[str] | None = None
    duplicate_of: str | None = None  # the earlier order this request was linked to (R-IN-2 duplicates)


def pure(row: dict[str, Any], data: dict[str, Any]) -> Answer:
    """The rules alone (doorstep.customers.parsing.check_intake)."""
    from doorstep.customers.parsing import check_intake

    verdict = check_intake(
        row["record"],
        catalogue=[m["code"] for m in data["catalogue"]],
        today=date.fromisoformat(data["today"]),
        region_hint=row["region_hint"],
    )
    address = verdict.normalized["address"]
    return Answer(
        VERDICTS[str(verdict.status)],
        sorted(i.code for i in verdict.issues),
        [address["province"], address["city"], address["district"]],
        verdict.normalized["product_model"],
        verdict.normalized["faults"],
    )


# --------------------------------------------------------------------------- channels (need a database)


def setup_catalogue(brand: Any, data: dict[str, Any]) -> None:
    from doorstep.catalog.models import ProductLine, ProductModel

    for item in data["catalogue"]:
        line, _new = ProductLine.objects.get_or_create(code=item["line"], defaults={"name": item["line"]})
        ProductModel.objects.get_or_create(
            brand=brand, code=item["code"], defaults={"line": line, "name": item["code"]}
        )


def set_region(centre: Any, region: str) -> None:
    """The receiving centre's region is the hint that may settle an ambiguous district (R-IN-2)."""
    if f"{centre.province}{centre.city}" != region:
        centre.province, centre.city = region, ""
        centre.save(update_fields=["province", "city"])


def _request(brand: str, channel: str, record: dict[str, str]) -> Any:
    from doorstep.orders.intake import IntakeRequest

    return IntakeRequest(
        brand=brand,
        channel=channel,
        service_type=record["service_type"],
        customer_name=record["customer_name"],
        phone=record["phone"],
        address_text=record["address"],
        model_code=record["product_model"],
        purchase_date=record["purchase_date"],
        faults=[record["symptom"]] if record["symptom"] else [],
    )


def _from_intake(out: dict[str, Any]) -> Answer:
    return Answer(
        out["verdict"], sorted(p["code"] for p in out["problems"]), duplicate_of=out["duplicate_of"]
    )


def _from_result(result: Any) -> Answer:
    return _from_intake(result.as_dict())


def via_phone(world: Any, row: dict[str, Any]) -> Answer:
    """The agent's console: the typed strings go straight to the pipeline."""
    from doorstep.orders.intake import intake_submit

    result = intake_submit(actor=world.actor("agent"), req=_request(world.brand.code, "phone", row["record"]))
    answer = _from_result(result)
    if result.order is not None and result.as_dict()["outcome"] == "created":  # the order keeps the answer
        assert sorted(m["code"] for m in result.order.missing_items) == answer.problems
    return answer


def via_web(world: Any, row: dict[str, Any]) -> Answer:
    from doorstep.channels.selfbook import Booking, book_judged

    record = row["record"]
    booking = Booking(
        service_type=record["service_type"],
        line=None,
        model_code=record["product_model"],
        purchase_date=record["purchase_date"],
        faults=[record["symptom"]] if record["symptom"] else [],
        customer_name=record["customer_name"],
        phone=record["phone"],
        address_text=record["address"],
        day=date.fromisoformat(row.get("day") or "2026-12-05"),
        period="morning",
    )
    _order, result = book_judged(brand=world.brand, form_token=uuid.uuid4(), booking=booking)
    assert result is not None
    return _from_result(result)


WECHAT_LABELS = {
    "customer_name": "姓名",
    "phone": "电话",
    "address": "地址",
    "product_model": "型号",
    "purchase_date": "购买日期",
    "symptom": "故障",
    "service_type": "服务类型",
}


def via_wechat(world: Any, row: dict[str, Any]) -> Answer:
    from doorstep.channels.models import InboundMessage, WeChatAccount
    from doorstep.channels.wechat import receive

    account, _new = WeChatAccount.objects.get_or_create(
        brand=world.brand, defaults={"app_id": "wxcorpus", "original_id": "gh_corpus", "token": "t"}
    )
    text = "\n".join(f"{label}：{row['record'][key]}" for key, label in WECHAT_LABELS.items())
    msg_id = str(uuid.uuid4().int)[:18]
    message = {
        "ToUserName": "gh_corpus",
        "FromUserName": f"o{row['id']}-{msg_id[:6]}",
        "CreateTime": "0",
        "MsgType": "text",
        "Content": text,
        "MsgId": msg_id,
        "Event": "",
    }
    receive(account=account, body=b"", message=message)
    stored = InboundMessage.objects.get(channel="wechat", external_id=msg_id)
    return _from_intake(stored.parsed["intake"])


def via_partner(world: Any, row: dict[str, Any]) -> Answer:
    from django.core.cache import cache
    from django.test import Client

    from doorstep.channels.models import PartnerAccount

    partner = PartnerAccount.objects.filter(brand=world.brand, code="corpus").first()
    if partner is None or not hasattr(world, "_corpus_key"):
        PartnerAccount.objects.filter(brand=world.brand, code="corpus").delete()
        _account, key = PartnerAccount.issue(brand=world.brand, code="corpus", name="语料合作方")
        world._corpus_key = key
    record = row["record"]
    body = {
        "external_ref": f"{row['id']}-{uuid.uuid4().hex[:8]}",
        "service_type": record["service_type"],
        "customer_name": record["customer_name"],
        "phone": record["phone"],
        "address_text": record["address"],
        "model_code": record["product_model"],
        "purchase_date": record["purchase_date"],
        "faults": [record["symptom"]] if record["symptom"] else [],
    }
    cache.clear()  # the rate limit counts live in the cache: 300 pushes are not what is measured
    response = Client().post(
        "/api/partner/orders",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world._corpus_key}",
    )
    assert response.status_code in (200, 201, 202), response.content
    return _from_intake(response.json()["intake"])


IMPORT_HEADER = ["客户姓名", "电话", "地址", "型号", "购买日期", "故障现象", "服务类型"]
IMPORT_KEYS = [
    "customer_name",
    "phone",
    "address",
    "product_model",
    "purchase_date",
    "symptom",
    "service_type",
]


def via_import(world: Any, rows: list[dict[str, Any]]) -> list[Answer]:
    """A CSV of the rows (one file per region: the importing agent's centre is the hint)."""
    from doorstep.channels.imports import run_import

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADER)
    for row in rows:
        writer.writerow([row["record"][key] for key in IMPORT_KEYS])
    content = buffer.getvalue().encode("utf-8")
    batch = run_import(
        actor=world.actor("agent"), filename=f"corpus-{uuid.uuid4().hex[:6]}.csv", content=content
    )
    return [
        Answer(
            line["verdict"],
            sorted(line["codes"]),
            duplicate_of=line["number"] if line["status"] == "linked" else None,
        )
        for line in batch.rows
    ]


SINGLE: dict[str, Callable[[Any, dict[str, Any]], Answer]] = {
    "phone": via_phone,
    "wechat": via_wechat,
    "web": via_web,
    "partner": via_partner,
}


def run_channel(world: Any, channel: str, rows: Iterable[dict[str, Any]]) -> dict[str, Answer]:
    """Every row through one channel, the centre's region set to each row's hint: {row id: answer}."""
    rows = list(rows)
    out: dict[str, Answer] = {}
    regions: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        regions.setdefault(row["region_hint"], []).append(row)
    for region, group in regions.items():
        set_region(world.centre, region)
        if channel == "import":
            out.update(zip([r["id"] for r in group], via_import(world, group), strict=True))
        else:
            for row in group:
                out[row["id"]] = SINGLE[channel](world, row)
    return out


def run_duplicate(world: Any, channel: str, case: dict[str, Any]) -> tuple[Answer, list[str]]:
    """R-IN-2 duplicates: the case's earlier orders made through the agent's console at their age (and put in
    their status), then the new request through ``channel``: (its answer, the earlier orders' numbers)."""
    from datetime import timedelta

    from doorstep.core import clock
    from doorstep.orders.intake import intake_submit
    from doorstep.orders.models import WorkOrder

    set_region(world.centre, "广东省广州市")
    now = clock.now()
    numbers: list[str] = []
    for earlier in case["earlier"]:
        record = {**case["base"], **earlier.get("record", {})}
        if "phone" in earlier:
            record["phone"] = earlier["phone"]
        result = intake_submit(actor=world.actor("agent"), req=_request(world.brand.code, "phone", record))
        assert result.order is not None and result.outcome is not None
        made = WorkOrder.objects.filter(pk=result.order.pk)
        made.update(created_at=now - timedelta(hours=earlier["hours"]))
        if "status" in earlier:
            made.update(status=earlier["status"])
        numbers.append(result.order.number)
    row = {"id": case["id"], "region_hint": "广东省广州市", "record": {**case["base"], **case["new"]}}
    with clock.frozen_at(now):  # exactly 72 hours means exactly (R-IN-2 "within 72 hours")
        if channel == "import":
            return via_import(world, [row])[0], numbers
        return SINGLE[channel](world, row), numbers
