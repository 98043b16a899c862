"""English is complete (issue 15, walk finding 17): every staff and customer page of the URL conf, rendered in
English for each role that may open it, shows no Chinese interface text.

The pages and the objects they are opened with come from the permission matrix (``ENTRIES`` of
``test_permission_matrix``: every URL name has an entry, so a new page is walked here too). Each role of
``COLUMNS`` signs in (profile language English) and GETs every page the matrix says it may open (200); the
anonymous visitor GETs the public pages (tracking, self-booking, the card) with ``Accept-Language: en``.

Chinese that is *data* is not interface text: the world's names, addresses, products, notes — every text
stored in the database's rows, and the fault knowledge base's cases (``data_texts``) — are removed before
looking. Chinese on purpose is marked ``lang="zh-Hans"`` in the page (what the customer is sent or told in
the manual's words, the district names put into an address, the selector's "简体中文") and is skipped. What
is left with a Chinese character is untranslated interface text, unless ``ALLOWED`` names it with the
reason. The scripts (``static/**/*.js``) hold no Chinese outside comments: they take their texts from the
page.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client

from doorstep.catalog.knowledge.cases import seed_cases
from doorstep.catalog.warranty import decide_warranty
from doorstep.core import clock
from doorstep.network.actors import Actor
from doorstep.network.models import Staff
from doorstep.orders.events import EventKind
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_token
from doorstep.tests.factories import WorkOrderFactory
from doorstep.web.tests.test_permission_matrix import (
    ANON,
    ENTRIES,
    OK,
    STAFF_COLUMNS,
    Things,
    body_text,
    build_things,
    expected,
    fill,
    url_names,
)

pytestmark = pytest.mark.django_db

# one column per role (the matrix has two agents, two managers, three technicians: one of each is enough)
COLUMNS = (ANON, "agent", "dispatcher", "manager_a", "tech_sent", "quality", "admin")
HAN_CHAR = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
HAN = re.compile(HAN_CHAR + "+")
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

# Chinese that stays Chinese in the English interface, each with its reason
ALLOWED: dict[str, str] = {
    "2023年5月1日": "the self-booking date field's example of a Chinese date form it understands",
    # the typed-date fields' hints show, in English too, the Chinese forms they understand (core.dates),
    # each followed by its English meaning; longest first, since each is removed as a substring
    **dict.fromkeys(
        ["下周三上午", "明天下午", "明天上午", "12月3日", "5月1日", "三天前", "下周三", "明天", "今天"],
        "a typed-date field's example of a Chinese date form it understands (core.dates)",
    ),
}


HIDDEN_TAGS = ("script", "style", "textarea", "template")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes (not scripts, styles or a textarea's typed content) and the
    attributes read out or shown (placeholder, title, aria-label, alt, a button's value, the data-…
    attributes a script shows) — outside the
    elements marked Chinese on purpose (``lang="zh-…"``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.chinese: list[str] = []  # the open elements marked lang="zh-…" (their tag, nested same tags)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in VOID and (self.chinese or (values.get("lang") or "").lower().startswith("zh")):
            self.chinese.append(tag)
        if tag in HIDDEN_TAGS:
            self.skip += 1
        if self.chinese:
            return
        # and the texts a script shows (data-… attributes: the offline banner, the knock timer, the alerts)
        self.parts += [v for k, v in attrs if (k in ATTRIBUTES or k.startswith("data-")) and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self.skip:
            self.skip -= 1
        if self.chinese and tag in self.chinese:
            while self.chinese and self.chinese.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.chinese and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def data_texts() -> list[str]:
    """Every text held in the database's rows (names, addresses, products, notes, events' data): data, not
    interface, whatever language it is in."""
    texts: set[str] = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                _strings(value, texts)
    for case in seed_cases():  # the fault knowledge base: reference data in Chinese
        _strings(dataclasses.asdict(case), texts)
    return sorted((t for t in texts if HAN.search(t)), key=len, reverse=True)


def _strings(value: Any, into: set[str]) -> None:
    if isinstance(value, str):
        into.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, into)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            _strings(v, into)


def untranslated(html: str, data: list[str]) -> list[str]:
    """The visible texts of the page with Chinese that is neither data (removed, longest first) nor
    allowed."""
    found = []
    for part in visible_text(html):
        if not HAN.search(part):
            continue
        rest = part
        for text in [*ALLOWED, *data]:
            if len(text) > 1:
                rest = rest.replace(text, " ")
            else:  # one character (a fee's unit 次, 米): only standing alone, not inside a word
                rest = re.sub(rf"(?<!{HAN_CHAR}){re.escape(text)}(?!{HAN_CHAR})", " ", rest)
        if HAN.search(rest):
            found.append(part if len(part) < 80 else part[:80] + "…")
    return found


def pages(t: Things) -> list[tuple[str, str, str]]:
    """(column, URL name, URL) of every page each column may open, from the permission matrix."""
    routes = url_names()
    found = []
    for key, entry in sorted(ENTRIES.items()):
        if entry.get is None or entry.api or entry.get_status or key in NOT_PAGES:
            continue
        url = fill(routes[key], entry.kwargs(t))
        found += [(c, key, url) for c in COLUMNS if expected(entry, "get", t, c) == OK]
    return found


# answers that are no HTML page of the interface: health and metrics, files, images, a CSV
NOT_PAGES = {
    "healthz",
    "readyz",
    "metrics",
    "channels:import_template",
    "channels:import_report_csv",
    "quality:export",
    "visits:card_photo",
    "visits:photo",
    "web:track_photo",
    "visits:report",  # the PDF service report: test_report_pdf_english below
}


def get(client: Client, url: str, extra: dict[str, Any]) -> Any:
    with transaction.atomic():
        response = client.get(url, extra, HTTP_ACCEPT_LANGUAGE="en")
        transaction.set_rollback(True)  # each page sees the same world
    return response


def test_every_page_is_english_for_every_role(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    t = build_things()
    Staff.objects.update(language="en")  # each person chose English
    data = data_texts()
    clients: dict[str, Client] = {}
    for column in COLUMNS:
        clients[column] = Client()
        if column in STAFF_COLUMNS:
            clients[column].force_login(t.world.staff[STAFF_COLUMNS[column]].user)
    problems: dict[str, list[str]] = {}
    walked = 0
    for column, key, url in pages(t):
        response = get(clients[column], url, ENTRIES[key].extra)
        assert response.status_code == 200, f"{url} as {column}: {response.status_code}"
        if "html" not in response.get("Content-Type", ""):
            continue
        walked += 1
        for text in untranslated(body_text(response), data):
            problems.setdefault(text, []).append(f"{key} ({column})")
    assert walked > 100  # the walk reached the pages (not a silently empty list)
    report = "\n".join(f"{text!r}  on {', '.join(where[:3])}" for text, where in sorted(problems.items()))
    assert not problems, f"{len(problems)} untranslated interface texts in English pages:\n{report}"


SCRIPTS = sorted(Path(__file__).resolve().parents[2].glob("*/static/**/*.js"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_hold_no_chinese_text(script: Path) -> None:
    """Walk finding 17: the offline banner, the knock timer and the signature alert were Chinese in JS; a
    script shows the texts its page gives it (data-… attributes rendered with {% translate %})."""
    lines = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1)
        if HAN.search(line.split("//", 1)[0])
    ]
    assert not lines, "\n".join(lines)


def test_every_stage_of_an_order_is_english(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The order's pages change with its status (the technician's step, the customer's block, the desk's
    actions): one order in each status, its visit, order and tracking pages in English."""
    settings.MEDIA_ROOT = tmp_path
    t = build_things()
    Staff.objects.update(language="en")
    orders = {status: WorkOrderFactory.create(world=t.world, status=status) for status in Status.values}
    data = data_texts()
    tech, agent, customer = Client(), Client(), Client()
    tech.force_login(t.world.staff["technician"].user)
    agent.force_login(t.world.staff["agent"].user)
    problems: dict[str, list[str]] = {}
    for status, order in orders.items():
        for who, client, url in (
            ("technician", tech, f"/visits/{order.number}/"),
            ("technician", tech, f"/visits/{order.number}/customer/"),
            ("agent", agent, f"/orders/{order.number}/"),
            ("customer", customer, f"/t/{tracking_token(order)}/"),
        ):
            response = get(client, url, {})
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue  # a page this status has not (the matrix checks who may open what)
            for text in untranslated(body_text(response), data):
                problems.setdefault(text, []).append(f"{url} [{status}] ({who})")
    report = "\n".join(f"{text!r}  on {', '.join(where[:3])}" for text, where in sorted(problems.items()))
    assert not problems, f"{len(problems)} untranslated interface texts in English pages:\n{report}"


def test_the_system_is_named_in_the_readers_language(world) -> None:  # type: ignore[no-untyped-def]
    """Walk finding 17: the record's actor "系统" stayed Chinese in English (it is stored so: the record)."""
    order = WorkOrderFactory.create(world=world, status=Status.CONFIRMED)
    EventKind.VISIT_AT_RISK.record(order=order, actor=Actor.system(), rule="R-DI-9", customer_visible=False)
    assert order.events.filter(actor_name="系统").exists()
    client = Client()
    client.force_login(world.staff["agent"].user)
    english = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert " · System</span>" in english and "Visit at risk of being late" in english
    assert " · 系统</span>" in chinese


def test_the_warranty_explanation_is_kept_in_chinese_and_shown_in_the_readers_language(world) -> None:  # type: ignore[no-untyped-def]
    """Walk finding 17: "整机保修 6 年…" stayed Chinese in English. The record keeps the Chinese sentence
    (R-AN-7) with its message, and each page shows it in the reader's language."""
    bought = clock.today() - timedelta(days=400)
    decision = decide_warranty(model=world.model, purchased=bought, today=clock.today())
    assert decision.explanation.startswith("整机保修 6 年，购于 ")
    order = WorkOrderFactory.create(world=world, status=Status.CONFIRMED)
    WorkOrder.objects.filter(pk=order.pk).update(
        warranty_status="in_warranty", warranty_detail=decision.as_dict()
    )
    client = Client()
    client.force_login(world.staff["agent"].user)
    english = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Whole-unit warranty 6 years, bought {bought.isoformat()}" in english
    assert "整机保修" not in english
    chinese = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert decision.explanation in chinese
