"""Build ``corpus.json``: labelled intake requests for the R-IN-2 rules, written by hand piece by piece.

Every piece below (a name, a phone, an address, a purchase date, a model, a symptom) carries the problem
codes R-IN-2 gives it, written from the rule text — never from what the parser answers. A request is a
clean base with one, two or three pieces swapped in; its expected problems are the union of its pieces',
its verdict follows R-IN-2 (reject only with neither a valid phone nor a usable name; incomplete with any
problem; else complete). Phones are made unique per request so the requests do not count as duplicates of
each other; the duplicate cases (R-IN-2 "duplicates") are a separate list of an earlier order and a new
request with the expected answer, near misses included.

Run ``python tests/intake_corpus/build.py`` after changing a piece; the JSON is committed.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

TODAY = "2026-12-02"  # the pinned test day (doorstep/tests/pinned_time.py)
HOME = "广东省广州市"  # the receiving centre's region unless a piece says otherwise
CHANNELS = ("phone", "wechat", "web", "partner", "import")
CATALOGUE = [
    {"code": "KFR-35GW/BpR3", "line": "ac"},
    {"code": "KFR-26GW/N1", "line": "ac"},
    {"code": "KFR-72LW/A1", "line": "ac"},
    {"code": "BCD-470WDPG", "line": "fridge"},
    {"code": "XQG100-B14876", "line": "washer"},
    {"code": "JSQ30-16WT5", "line": "heater"},
]

# (text, problems) -------------------------------------------------------------------------------- names
NAMES_OK = ["王先生", "刘女士", "张伟", "李小姐", "陈阿姨", "赵建国", "黄师傅", "欧阳娜娜", "Tom Lee", "周生"]
NAMES_BAD = [
    ("", "customer_name.missing"),
    ("未知", "customer_name.placeholder"),
    ("客户", "customer_name.placeholder"),
    ("-", "customer_name.placeholder"),
    ("123456", "customer_name.placeholder"),
    ("先生", "customer_name.placeholder"),
    ("无", "customer_name.placeholder"),
]

# phone shapes: a template filled with a unique 8-digit tail (mobiles) -------------------------------------
PHONE_OK = [
    "139{a}{b}",
    "139-{a}-{b}",
    "139 {a} {b}",
    "+86 139{a}{b}",
    "+86-139-{a}-{b}",
    "0086 139{a}{b}",
    "８６１３９{a}{b}",  # full-width 86 prefix (the tail is folded by the builder too)
    "１３９{a}{b}",
    "158.{a}.{b}",
    "186 {a}-{b}",
    "020-8{a3}{b}",  # Guangzhou landline with its area code
    "(0755) 8{a3}-{b}",
    "010 6{a3} {b}",
    "400-{a3}-{b}",  # R-IN-2: 400/800 numbers are valid
    "800 {a3} {b}",
]
PHONE_BAD = [
    ("", "phone.missing"),
    ("8{a3}{b}", "phone.invalid"),  # landline without its area code
    ("139{a}{b3}", "phone.invalid"),  # ten digits
    ("139{a}{b}9", "phone.invalid"),  # twelve digits
    ("128{a}{b}", "phone.invalid"),  # no such mobile prefix
    ("电话坏了", "phone.invalid"),
    ("abc-{b}", "phone.invalid"),
    ("+1 415 555 0100", "phone.invalid"),  # not a mainland number
]

# (text, region hint or None for HOME, (province, city, district) or None, problems) -------------------------
ADDRESS_OK: list[tuple[str, str | None, tuple[str | None, str | None, str | None], list[str]]] = [
    ("广东省广州市天河区天河路385号太古汇2座1201", None, ("广东省", "广州市", "天河区"), []),
    ("广州市海珠区新港中路397号", None, ("广东省", "广州市", "海珠区"), []),
    ("天河 体育西路 103号", None, ("广东省", "广州市", "天河区"), []),
    ("浦东 张江路88弄3号", None, ("上海市", "上海市", "浦东新区"), []),
    ("重庆市渝北区龙溪街道金开大道100号", None, ("重庆市", "重庆市", "渝北区"), []),
    ("北京市朝阳区建国路88号5号楼", None, ("北京市", "北京市", "朝阳区"), []),
    ("杭州市西湖区文三路90号", None, ("浙江省", "杭州市", "西湖区"), []),
    ("江苏省南京市鼓楼区中山路1号", None, ("江苏省", "南京市", "鼓楼区"), []),
    ("深圳市南山区科苑路15号", None, ("广东省", "深圳市", "南山区"), []),
    ("上海市徐汇区漕溪北路88号", None, ("上海市", "上海市", "徐汇区"), []),
    ("武汉市洪山区珞喻路1037号", None, ("湖北省", "武汉市", "洪山区"), []),
    ("成都市武侯区人民南路四段1号", None, ("四川省", "成都市", "武侯区"), []),
    ("海淀区中关村大街1号", None, ("北京市", "北京市", "海淀区"), []),
    ("番禺区市桥街繁华路18号", None, ("广东省", "广州市", "番禺区"), []),
    ("湖北省仙桃市干河街道仙桃大道1号", None, ("湖北省", "仙桃市", "仙桃市"), []),
    ("朝阳区建国路88号", "北京市", ("北京市", "北京市", "朝阳区"), []),
    ("朝阳区人民大街1号", "吉林省长春市", ("吉林省", "长春市", "朝阳区"), []),
    ("鼓楼区五四路1号", "福建省福州市", ("福建省", "福州市", "鼓楼区"), []),
    ("西湖区文三路90号", "浙江省杭州市", ("浙江省", "杭州市", "西湖区"), []),
    ("白云区机场路1号", None, ("广东省", "广州市", "白云区"), []),
    ("越秀区北京路100号", None, ("广东省", "广州市", "越秀区"), []),
    ("中国广东省佛山市顺德区大良街道1号", None, ("广东省", "佛山市", "顺德区"), []),
    ("浙江 宁波 鄞州区 天童南路1号", None, ("浙江省", "宁波市", "鄞州区"), []),
    ("河北省雄安新区容城县奥威路1号", None, ("河北省", "保定市", "容城县"), []),
]
ADDRESS_BAD: list[tuple[str, str | None, tuple[str | None, str | None, str | None] | None, list[str]]] = [
    ("朝阳区建国路88号", None, None, ["address.ambiguous_district"]),
    ("鼓楼区中山路1号", None, None, ["address.ambiguous_district"]),
    ("西湖区文三路90号", None, None, ["address.ambiguous_district"]),
    ("白云区机场路1号", "北京市", None, ["address.ambiguous_district"]),
    ("铁西区北二路1号", None, None, ["address.ambiguous_district"]),
    ("广东省杭州市西湖区文三路1号", None, None, ["address.mismatch"]),
    ("广州市朝阳区建国路1号", None, None, ["address.mismatch"]),
    ("浙江省广州市天河区天河路1号", None, None, ["address.mismatch"]),
    ("北京市浦东新区张江路1号", None, None, ["address.mismatch"]),
    ("广州市中山大道西100号", None, ("广东省", "广州市", None), ["address.no_district"]),
    ("体育西路103号", None, None, ["address.no_district"]),
    ("深圳市深南大道1000号", None, ("广东省", "深圳市", None), ["address.no_district"]),
    ("广州市天河区", None, ("广东省", "广州市", "天河区"), ["address.no_detail"]),
    ("北京市海淀区", None, ("北京市", "北京市", "海淀区"), ["address.no_detail"]),
    ("广州市天河区附近", None, ("广东省", "广州市", "天河区"), ["address.no_detail"]),
    ("天河区", None, ("广东省", "广州市", "天河区"), ["address.no_detail"]),
    ("asdfgh", None, None, ["address.nonsense"]),
    ("哈哈哈哈", None, None, ["address.nonsense"]),
    ("12345", None, None, ["address.nonsense"]),
    ("", None, None, ["address.missing"]),
    ("不知道", None, None, ["address.missing"]),
    ("待定", None, None, ["address.missing"]),
    ("  ", None, None, ["address.missing"]),
    ("没有", None, None, ["address.missing"]),
]

DATES_OK = ["2024-05-03", "2024/5/3", "2023.05.01", "2023年5月1日", "２０２４年５月３日", TODAY, "2024-02-29"]
DATES_BAD = [
    ("", "purchase_date.missing"),
    ("不记得了", "purchase_date.missing"),
    ("去年夏天", "purchase_date.vague"),
    ("好几年了", "purchase_date.vague"),
    ("2023年5月", "purchase_date.vague"),
    ("上个月", "purchase_date.vague"),
    ("前年买的", "purchase_date.vague"),
    ("2025-02-29", "purchase_date.impossible"),
    ("2024-13-01", "purchase_date.impossible"),
    ("2023年2月30日", "purchase_date.impossible"),
    ("2026-12-03", "purchase_date.future"),  # one day after the pinned day
    ("2027年1月1日", "purchase_date.future"),
]

# (typed, catalogue code or None, how) -----------------------------------------------------------------
MODELS_OK = [
    ("KFR-35GW/BpR3", "KFR-35GW/BpR3", "exact"),
    ("kfr35gw/bpr3", "KFR-35GW/BpR3", "exact"),
    ("ＫＦＲ－３５ＧＷ／ＢｐＲ３", "KFR-35GW/BpR3", "exact"),
    ("BCD-470WDPG", "BCD-470WDPG", "exact"),
    ("XQG100-B14876", "XQG100-B14876", "exact"),
    ("JSQ30-16WT5", "JSQ30-16WT5", "exact"),
    ("KFR-35GW/BpR8", "KFR-35GW/BpR3", "typo"),
    ("BCD-470WDGP", "BCD-470WDPG", "typo"),
    ("XQG100-B1487", "XQG100-B14876", "typo"),
    ("JSQ30-16WT6", "JSQ30-16WT5", "typo"),
    ("KFR-72LW/AI", "KFR-72LW/A1", "typo"),
]
MODELS_BAD = [
    ("", "product_model.missing"),
    ("不知道", "product_model.missing"),
    ("铭牌看不清了", "product_model.not_a_model"),
    ("白色那台", "product_model.not_a_model"),
    ("格力的空调", "product_model.not_a_model"),
    ("客厅那个柜机", "product_model.not_a_model"),
]

# (text, fault items) ---------------------------------------------------------------------------------
SYMPTOMS_OK = [
    ("空调不制冷，只吹自然风", ["空调不制冷,只吹自然风"]),
    ("开机显示E4", ["开机显示E4"]),
    ("洗衣机不脱水", ["洗衣机不脱水"]),
    ("冰箱冷藏室结冰", ["冰箱冷藏室结冰"]),
    ("热水器点不着火", ["热水器点不着火"]),
    ("外机有异响", ["外机有异响"]),
    ("不制冷，还漏水", ["不制冷", "漏水"]),
    ("不制冷；有异响；遥控失灵", ["不制冷", "有异响", "遥控失灵"]),
    ("洗衣机不脱水而且噪音很大", ["洗衣机不脱水", "噪音很大"]),
]
SYMPTOMS_BAD = [
    ("", "symptom.missing"),
    ("坏了", "symptom.vague"),
    ("不好用了", "symptom.vague"),
    ("老毛病又犯了", "symptom.vague"),
    ("冰箱有问题", "symptom.vague"),
    ("用不了了", "symptom.vague"),
]


def _phone(template: str, n: int) -> str:
    tail = f"{n:08d}"
    return template.format(a=tail[:4], b=tail[4:], a3=tail[1:4], b3=tail[5:])


def _verdict(problems: list[str]) -> str:
    phone_bad = any(p.startswith("phone.") for p in problems)
    name_bad = any(p.startswith("customer_name.") for p in problems)
    if phone_bad and name_bad:
        return "reject"
    return "incomplete" if problems else "complete"


class Builder:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, note: str, **swap: Any) -> None:
        n = len(self.rows) + 1
        problems: list[str] = []
        name = swap.get("name", NAMES_OK[n % len(NAMES_OK)])
        problems += swap.get("name_problems", [])
        phone = _phone(swap.get("phone", PHONE_OK[n % 3]), 10_000_000 + n)
        problems += swap.get("phone_problems", [])
        address, hint, district, address_problems = swap.get("address", ADDRESS_OK[n % 14])
        problems += address_problems
        date = swap.get("date", DATES_OK[n % 5])
        problems += swap.get("date_problems", [])
        typed, code, how = swap.get("model", MODELS_OK[n % 6])
        problems += swap.get("model_problems", [])
        service = swap.get("service", "repair")
        symptom, faults = swap.get("symptom", SYMPTOMS_OK[n % 6])
        problems += swap.get("symptom_problems", [])
        self.rows.append(
            {
                "id": f"r{n:03d}",
                "note": note,
                "channel": CHANNELS[n % len(CHANNELS)],
                "region_hint": hint or HOME,
                "record": {
                    "customer_name": name,
                    "phone": phone,
                    "address": address,
                    "product_model": typed,
                    "purchase_date": date,
                    "symptom": symptom,
                    "service_type": service,
                },
                "expected": {
                    "verdict": _verdict(problems),
                    "problems": sorted(problems),
                    "district": list(district) if district else None,
                    "model": code,
                    "model_match": how,
                    "faults": faults if symptom else [],
                },
            }
        )


def build() -> dict[str, Any]:
    b = Builder()
    for name in NAMES_OK:
        b.add(f"name ok: {name}", name=name)
    for name, code in NAMES_BAD:
        b.add(f"name problem: {code}", name=name, name_problems=[code])
    for template in PHONE_OK:
        b.add(f"phone ok: {template}", phone=template)
    for template, code in PHONE_BAD:
        b.add(f"phone problem: {template}", phone=template, phone_problems=[code])
    for piece in ADDRESS_OK + ADDRESS_BAD:
        b.add(f"address: {piece[0] or '(blank)'} / {piece[1] or HOME}", address=piece)
    for date in DATES_OK:
        b.add(f"date ok: {date}", date=date)
    for date, code in DATES_BAD:
        b.add(f"date problem: {date or '(blank)'}", date=date, date_problems=[code])
    for model in MODELS_OK:
        b.add(f"model {model[2]}: {model[0]}", model=model)
    for typed, code in MODELS_BAD:
        b.add(f"model problem: {typed or '(blank)'}", model=(typed, None, ""), model_problems=[code])
    for symptom in SYMPTOMS_OK:
        b.add(f"symptom ok: {symptom[0]}", symptom=symptom)
    for text, code in SYMPTOMS_BAD:
        b.add(
            f"symptom problem: {text or '(blank)'}",
            symptom=(text, [text] if text else []),
            symptom_problems=[code],
        )
    for text, _code in SYMPTOMS_BAD:  # R-IN-2: the symptom is required for repairs only
        b.add(
            f"install, symptom {text or '(blank)'} is no problem",
            service="install",
            symptom=(text, [text] if text else []),
        )
    # R-IN-2 verdict: reject only with neither a valid phone nor a usable name
    for (name, name_code), (phone, phone_code) in itertools.product(NAMES_BAD, PHONE_BAD[:5]):
        b.add(
            "reject: no usable name, no valid phone",
            name=name,
            name_problems=[name_code],
            phone=phone,
            phone_problems=[phone_code],
        )
    # two or three problems at once, every field paired with every other
    bad_pieces = {
        "name": [dict(name=t, name_problems=[c]) for t, c in NAMES_BAD],
        "phone": [dict(phone=t, phone_problems=[c]) for t, c in PHONE_BAD],
        "address": [dict(address=a) for a in ADDRESS_BAD],
        "date": [dict(date=t, date_problems=[c]) for t, c in DATES_BAD],
        "model": [dict(model=(t, None, ""), model_problems=[c]) for t, c in MODELS_BAD],
        "symptom": [dict(symptom=(t, [t] if t else []), symptom_problems=[c]) for t, c in SYMPTOMS_BAD],
    }
    fields = list(bad_pieces)
    for k, (first, second) in enumerate(itertools.combinations(fields, 2)):
        for i in range(7):
            a = bad_pieces[first][(k + i) % len(bad_pieces[first])]
            c = bad_pieces[second][(k + 2 * i + 1) % len(bad_pieces[second])]
            b.add(f"two problems: {first} + {second}", **a, **c)
    for trio in itertools.combinations(["address", "date", "model", "symptom"], 3):
        for i in range(6):
            merged: dict[str, Any] = {}
            for j, name in enumerate(trio):
                merged.update(bad_pieces[name][(i * 3 + j) % len(bad_pieces[name])])
            b.add(f"three problems: {' + '.join(trio)}", **merged)
    return {
        "today": TODAY,
        "home_region": HOME,
        "catalogue": CATALOGUE,
        "records": b.rows,
        "duplicates": DUPLICATES,
    }


# R-IN-2 duplicates: an earlier order (hours ago, its status) and a new request; ``duplicate`` is the answer.
_BASE = {
    "customer_name": "王先生",
    "phone": "13900001111",
    "address": "广州市天河区天河路385号1201",
    "product_model": "KFR-35GW/BpR3",
    "purchase_date": "2024-05-03",
    "symptom": "空调不制冷",
    "service_type": "repair",
}
DUPLICATES = [
    {
        "id": "d01",
        "note": "same phone, same model, an hour later",
        "earlier": [{"hours": 1}],
        "new": {},
        "duplicate": True,
    },
    {
        "id": "d02",
        "note": "same phone written another way",
        "earlier": [{"hours": 2}],
        "new": {"phone": "+86 139-0000-1111"},
        "duplicate": True,
    },
    {
        "id": "d03",
        "note": "another model of the same line",
        "earlier": [{"hours": 5}],
        "new": {"product_model": "KFR-26GW/N1"},
        "duplicate": True,
    },
    {
        "id": "d04",
        "note": "typo of the same model",
        "earlier": [{"hours": 5}],
        "new": {"product_model": "KFR-35GW/BpR8"},
        "duplicate": True,
    },
    {"id": "d05", "note": "71 hours later", "earlier": [{"hours": 71}], "new": {}, "duplicate": True},
    {"id": "d06", "note": "exactly 72 hours later", "earlier": [{"hours": 72}], "new": {}, "duplicate": True},
    {"id": "d07", "note": "73 hours later", "earlier": [{"hours": 73}], "new": {}, "duplicate": False},
    {
        "id": "d08",
        "note": "the same product a month later",
        "earlier": [{"hours": 24 * 30}],
        "new": {},
        "duplicate": False,
    },
    {
        "id": "d09",
        "note": "same phone, another product line",
        "earlier": [{"hours": 3}],
        "new": {"product_model": "BCD-470WDPG", "symptom": "冰箱不制冷"},
        "duplicate": False,
    },
    {
        "id": "d10",
        "note": "same address, another phone",
        "earlier": [{"hours": 3}],
        "new": {"phone": "13900002222"},
        "duplicate": False,
    },
    {
        "id": "d11",
        "note": "the earlier order is closed",
        "earlier": [{"hours": 3, "status": "closed"}],
        "new": {},
        "duplicate": False,
    },
    {
        "id": "d12",
        "note": "the earlier order is cancelled",
        "earlier": [{"hours": 3, "status": "cancelled"}],
        "new": {},
        "duplicate": False,
    },
    {
        "id": "d13",
        "note": "the duplicate keeps its own verdict (vague symptom)",
        "earlier": [{"hours": 3}],
        "new": {"symptom": "坏了"},
        "duplicate": True,
        "verdict": "incomplete",
    },
    {
        "id": "d14",
        "note": "linked to the earliest of two open orders",
        "earlier": [{"hours": 50}, {"hours": 10}],
        "new": {},
        "duplicate": True,
        "linked_to": 0,
    },
    {
        "id": "d15",
        "note": "an older order outside the window, a newer inside",
        "earlier": [{"hours": 100}, {"hours": 10}],
        "new": {},
        "duplicate": True,
        "linked_to": 1,
    },
    {
        "id": "d16",
        "note": "the new request names no model: its line is unknown",
        "earlier": [{"hours": 3}],
        "new": {"product_model": "不知道"},
        "duplicate": False,
    },
    {
        "id": "d17",
        "note": "landline, same number written two ways",
        "earlier": [{"hours": 3, "phone": "020-87654321"}],
        "new": {"phone": "(020) 8765 4321"},
        "duplicate": True,
    },
    {
        "id": "d18",
        "note": "another name, same phone and line",
        "earlier": [{"hours": 3}],
        "new": {"customer_name": "刘女士"},
        "duplicate": True,
    },
    {
        "id": "d19",
        "note": "the earlier order is completed",
        "earlier": [{"hours": 3, "status": "completed"}],
        "new": {},
        "duplicate": False,
    },
    {
        "id": "d20",
        "note": "the earlier order is information incomplete (still open)",
        "earlier": [{"hours": 3, "record": {"purchase_date": "去年夏天"}}],
        "new": {},
        "duplicate": True,
    },
    {
        "id": "d21",
        "note": "no valid phone: nothing to match on",
        "earlier": [{"hours": 3}],
        "new": {"phone": "1390000111"},
        "duplicate": False,
    },
    {
        "id": "d22",
        "note": "washer then air conditioner, same phone",
        "earlier": [{"hours": 3, "record": {"product_model": "XQG100-B14876", "symptom": "不脱水"}}],
        "new": {},
        "duplicate": False,
    },
]
for case in DUPLICATES:
    case["base"] = _BASE


if __name__ == "__main__":
    out = Path(__file__).with_name("corpus.json")
    data = build()
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data['records'])} requests, {len(data['duplicates'])} duplicate cases -> {out}")
