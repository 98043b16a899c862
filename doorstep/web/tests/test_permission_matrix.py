"""Every URL of the URL conf × every role × the objects it reaches: the status each role gets, and whether
the customer's full phone or street address is in the answer (R-PV-1).

The table ``ENTRIES`` has one entry per URL name (a URL name with no entry fails
``test_every_url_has_an_entry``). An entry says how to build the URL's arguments from the world and who may
reach it: the roles allowed at all (the named sets of ``doorstep.network.roles``, as the views check them)
and the object's scope (the orders each role sees: its centre, its outlet, the technician sent). From that
each cell's expectation is generated:

* anonymous → 302 to the log-in page (a JSON API: 401);
* a role the page is not for → 403 or 404 (as today: pages answer 404, the API 403);
* a role the page is for, asking for an object outside its scope → **404** (existence is not revealed);
* otherwise 200 for a GET; a POST gets past the scope (200, 302 back with a message, or a 4xx of its
  own input check, never 403/404/405).

For every answer, the customer's full phone number and street address may appear in the body only if
``can_see_contact`` says this role needs them for that order (R-PV-1).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import World, build_world, make_staff
from doorstep.api.models import ApiToken
from doorstep.channels.models import ImportBatch, PartnerAccount
from doorstep.core import clock
from doorstep.customers.product_link import ProductRef, product_token
from doorstep.dispatch.models import DayReplan, PlanRun
from doorstep.network.actors import Actor
from doorstep.network.roles import (
    CALLERS,
    CENTRE_DISPATCH,
    CENTRE_STAFF,
    CORRECTORS,
    DASHBOARD_VIEWERS,
    DESK,
    FIELD,
    OUTLET,
    QUALITY_TEAM,
    Party,
    Role,
)
from doorstep.orders.desk import call_log
from doorstep.orders.lifecycle import MOVES, Status
from doorstep.orders.models import WorkOrder
from doorstep.orders.tracking import tracking_token
from doorstep.quality.models import EarlyWarning, Insight, LanguageFlag
from doorstep.quality.privacy import can_see_contact
from doorstep.quality.services.complaints import complaint_open
from doorstep.tests.factories import TechnicianFactory, WorkOrderFactory
from doorstep.visits.arrival.card import card_url
from doorstep.visits.arrival.escalation import task_open
from doorstep.visits.consent.drawing import png_bytes, signature_png_data_url
from doorstep.visits.models import EscalationTask, TakeBack, VisitPhoto

# --- the roles of the matrix (columns) -------------------------------------------------------------------
ANON = "anonymous"
PARTNER = "partner"
# column → the world's staff key
STAFF_COLUMNS = {
    "agent": "agent",  # the first-contact owner of the orders
    "agent2": "agent2",
    "dispatcher": "dispatcher",
    "manager_a": "outlet_manager",
    "manager_b": "other_manager",
    "tech_sent": "technician",
    "tech_colleague": "tech_colleague",
    "tech_b": "other_technician",
    "quality": "quality",
    "admin": "admin",
}
PAGE_COLUMNS = (ANON, *STAFF_COLUMNS)
API_COLUMNS = (*PAGE_COLUMNS, PARTNER)


@dataclass
class Things:
    world: World
    order: WorkOrder  # outlet A, the technician sent, open
    closed: WorkOrder  # outlet A, closed, owned by the first agent
    other: WorkOrder  # outlet B, its technician
    partner_order: WorkOrder
    partner_ref: str
    partner_key: str
    tokens: dict[str, str]
    task: EscalationTask
    complaint_pk: int
    batch: ImportBatch
    run: PlanRun
    call_pk: int
    warning: EarlyWarning
    insight: Insight
    flag: LanguageFlag
    card_token: str
    photo_pk: int
    paid: WorkOrder  # outlet A, the technician sent, served and paid: the callback stage
    replan: DayReplan  # outlet A's live re-plan (issue 13)

    def role_of(self, column: str) -> str:
        if column == ANON:
            return ""
        if column == PARTNER:
            return Party.PARTNER
        return str(self.world.staff[STAFF_COLUMNS[column]].role)

    def actor(self, column: str) -> Actor | None:
        if column in (ANON, PARTNER):
            return None
        return Actor.for_user(self.world.staff[STAFF_COLUMNS[column]].user)

    def sees(self, column: str, order: WorkOrder) -> bool:
        """The scope of orders (R-PV-1), stated independently of the selector: centre roles their centre,
        an outlet manager their outlet, a technician the visits they are sent on."""
        staff = self.world.staff.get(STAFF_COLUMNS.get(column, ""))
        if staff is None:
            return False
        if staff.role in CENTRE_STAFF:
            return staff.centre_id == order.centre_id
        if staff.role == Role.OUTLET_MANAGER:
            return staff.outlet_id == order.outlet_id
        if staff.role == Role.TECHNICIAN:
            return order.technician is not None and order.technician.staff_id == staff.pk
        return False


PHONE_A, PHONE_CLOSED, PHONE_B = "13900139011", "13900139022", "13900139033"
STREET_A, STREET_CLOSED, STREET_B = "体育东路 11 号 501 室", "中山大道 22 号 602 室", "江南大道 33 号 703 室"
PHONE_PAID, STREET_PAID = "13900139044", "珠江新城 44 号 804 室"  # served and paid: waiting for its callback


def build_things() -> Things:
    world = build_world()
    world.staff["agent2"] = make_staff("agent2", "李娜", Role.AGENT, world.centre, None)
    colleague = TechnicianFactory.create(
        outlet=world.outlet, staff__user__username="tech3", staff__name="赵师傅", permit_no="GZ-2024-0003",
        lines=[world.line],
    )  # fmt: skip
    world.staff["tech_colleague"] = colleague.staff
    order = WorkOrderFactory.create(world=world, status=Status.CONFIRMED, phone=PHONE_A, detail=STREET_A)
    closed = WorkOrderFactory.create(
        world=world, status=Status.CLOSED, phone=PHONE_CLOSED, detail=STREET_CLOSED
    )
    paid = WorkOrderFactory.create(world=world, status=Status.PAID, phone=PHONE_PAID, detail=STREET_PAID)
    other = WorkOrderFactory.create(
        world=world, status=Status.CONFIRMED, phone=PHONE_B, detail=STREET_B, district="海珠区",
        outlet=world.other_outlet, technician=world.other_tech,
    )  # fmt: skip
    tokens = {}
    for column, key in STAFF_COLUMNS.items():
        _t, tokens[column] = ApiToken.issue(user=world.staff[key].user, name=column)
    _account, partner_key = PartnerAccount.issue(brand=world.brand, code="jd", name="京东家电")
    ref = "JD-MATRIX-1"
    pushed = Client().post(
        "/api/partner/orders",
        data=json.dumps(
            {
                "external_ref": ref,
                "customer_name": "黄先生",
                "phone": "139 2222 3333",
                "address_text": "广州市天河区体育西路101号8楼",
                "model_code": "KFR-35GW",
                "purchase_date": (clock.today() - timedelta(days=30)).isoformat(),
                "requirement": f"{clock.today() + timedelta(days=3)} 上午",
                "delivery": [{"name": "室外机", "quantity": 1}],
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {partner_key}",
    )
    assert pushed.status_code in (200, 201), pushed.content
    partner_order = WorkOrder.objects.get(number=pushed.json()["number"])
    agent = world.actor("agent")
    task = task_open(
        order=order, actor=Actor.system(), kind=EscalationTask.Kind.choices[0][0], note="matrix",
        due_in=timedelta(hours=2),
    )  # fmt: skip
    complaint = complaint_open(
        order=order, actor=agent, channel="phone", category="attitude", description="师傅说话不耐烦。"
    )
    batch = ImportBatch.objects.create(
        centre=world.centre, user=world.staff["agent"].user, filename="m.csv", digest="x" * 64,
        rows=[],
    )  # fmt: skip
    run = PlanRun.objects.create(
        outlet=world.outlet, day=clock.today(), requested_by=world.staff["dispatcher"], created_at=clock.now()
    )
    call = call_log(
        actor=agent, direction="in", phone=PHONE_A, caller_name="刘女士", product="空调", question="何时上门",
        promised_reply_at=clock.now() + timedelta(hours=2),
    )  # fmt: skip
    now = clock.now()
    warning = EarlyWarning.objects.create(
        centre=world.centre, product_model=world.model, window_start=now - timedelta(days=30), window_end=now,
        observed=9, expected=2.0, p_value=0.001, test="poisson", order_ids=[order.pk], created_at=now,
    )  # fmt: skip
    insight = Insight.objects.create(
        order=order, centre=world.centre, department="product", title="t", body="b",
        author=world.staff["technician"], submitted_at=now,
    )  # fmt: skip
    flag = LanguageFlag.objects.create(order=order, centre=world.centre, **_flag_fields(world))
    TakeBack.objects.create(
        order=order, receipt_no="TB-1", reason=TakeBack.Reason.choices[0][0], items="室内机", at=clock.now()
    )
    token = card_url(world.tech).rstrip("/").rsplit("/", 1)[-1]
    world.tech.photo.save("p.png", ContentFile(png_bytes(signature_png_data_url())))  # R-PV-2
    photo = VisitPhoto.objects.create(
        order=order,
        kind="note_left",
        image=ContentFile(png_bytes(signature_png_data_url()), name="p.png"),
        at=clock.now(),
    )
    replan = DayReplan.objects.create(
        outlet=world.outlet, day=clock.today(), kind=DayReplan.Kind.URGENT, created_at=clock.now()
    )
    return Things(
        world, order, closed, other, partner_order, ref, partner_key, tokens, task, complaint.pk, batch, run,
        call.pk, warning, insight, flag, token, photo.pk, paid, replan,
    )  # fmt: skip


def _flag_fields(world: World) -> dict[str, Any]:
    from doorstep.quality.models.language import Source

    return {
        "source": Source.choices[0][0],
        "excerpt": "你错了",
        "start": 0,
        "end": 3,
        "matched_text": "你错了",
        "phrase_id": "p1",
        "rule_id": "R-LG-2",
        "author": world.staff["technician"],
        "created_at": clock.now(),
    }


# --- expectations ----------------------------------------------------------------------------------------
LOGIN, DENY, HIDDEN, OK, PASSED, NOT_ALLOWED = "login", "deny", "404", "200", "passed", "405"
UNAUTH = "401"
MATCHES: dict[str, Callable[[int, str], bool]] = {
    LOGIN: lambda status, where: status == 302 and "/login/" in where,
    DENY: lambda status, where: status in (403, 404),
    HIDDEN: lambda status, where: status == 404,
    OK: lambda status, where: status == 200,
    PASSED: lambda status, where: status not in (401, 403, 404, 405) and status < 500,
    NOT_ALLOWED: lambda status, where: status == 405,
    UNAUTH: lambda status, where: status == 401,
}

Scope = Callable[[Things, str], bool]
Kwargs = Callable[[Things], dict[str, Any]]


def every(t: Things, column: str) -> bool:
    return True


def of_order(pick: Callable[[Things], WorkOrder]) -> Scope:
    return lambda t, column: t.sees(column, pick(t))


def same_centre(t: Things, column: str) -> bool:
    return column in STAFF_COLUMNS


@dataclass
class Entry:
    kwargs: Kwargs = lambda t: {}
    get: frozenset[str] | None = None  # the roles that may GET (None: the URL takes no GET)
    post: frozenset[str] | None = None  # the roles that may POST (None: the URL takes no POST)
    scope: Scope = every  # inside the role: may this column reach this object?
    public: bool = False  # no log-in: a signed link or an open page
    api: str = ""  # "staff" (an API token) or "partner" (a partner key)
    contact_orders: Callable[[Things], list[WorkOrder]] = lambda t: [t.order, t.closed, t.other, t.paid]
    customer_of: Callable[[Things], WorkOrder | None] = lambda t: None
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # query string of a GET
    get_status: str = ""  # what an allowed GET answers, when not 200 (a redirect)
    customer_act: bool = False  # a POST only the customer may make, from their own link (R-CO-1)
    customer_act_get: bool = False  # a GET that acts for the customer (WeChat's authorisation and its return)


def _an_intent(t: Things) -> int:
    """A charged electronic payment of the order, for the refund action (refused without a reason)."""
    from doorstep.visits.models import PaymentIntent

    now = clock.now()
    intent, _ = PaymentIntent.objects.get_or_create(
        key=f"MATRIX{t.order.pk}",
        defaults={
            "order": t.order,
            "method": "wechat",
            "amount": 80,
            "quote_version": 1,
            "state": PaymentIntent.State.NEEDS_REFUND,
            "transaction_id": f"WXSIM{t.order.pk}",
            "provider": "simulated-wechat",
            "created_at": now,
            "updated_at": now,
        },
    )
    return intent.pk


def _a_message(t: Things) -> int:
    from doorstep.notify.models import Message

    return Message.objects.filter(order_number=t.order.number).values_list("pk", flat=True).first() or 0


ALL_STAFF = frozenset({*Role})
NUMBER = lambda t: {"number": t.order.number}  # noqa: E731
ORDER_SCOPE = of_order(lambda t: t.order)


def _move_roles(action: str) -> frozenset[str]:
    """The roles of a move, from the lifecycle table."""
    return frozenset(next(m.roles for m in MOVES if m.action == action))


ENTRIES: dict[str, Entry] = {}


def page(
    get: frozenset[str] | None = ALL_STAFF,
    post: frozenset[str] | None = None,
    scope: Scope = every,
    kwargs: Kwargs = lambda t: {},
    **more: Any,
) -> Entry:
    return Entry(kwargs=kwargs, get=get, post=post, scope=scope, **more)


def action(
    roles: frozenset[str] = ALL_STAFF, scope: Scope = ORDER_SCOPE, kwargs: Kwargs = NUMBER, **more: Any
) -> Entry:
    return Entry(kwargs=kwargs, get=None, post=roles, scope=scope, **more)


def signed(get: bool = True, post: bool = False, kwargs: Kwargs | None = None) -> Entry:
    """A customer's signed link: no log-in; whoever holds it is treated as the customer of its order. Its acts
    (a consent, the signature, the payment, the survey, a complaint) are the customer's own: a request that
    carries a staff session is refused, the page itself stays readable (R-CO-1)."""
    return Entry(
        kwargs=kwargs or (lambda t: {"token": tracking_token(t.order)}),
        get=ALL_STAFF if get else None,
        post=ALL_STAFF if post else None,
        public=True,
        customer_of=lambda t: t.order,
        customer_act=post,
    )


def open_page(get: bool = True, post: bool = False, kwargs: Kwargs = lambda t: {}, **more: Any) -> Entry:
    return Entry(
        kwargs=kwargs, get=ALL_STAFF if get else None, post=ALL_STAFF if post else None, public=True, **more
    )


TASK_SCOPE: Scope = of_order(lambda t: t.task.order)
COMPLAINT_SCOPE: Scope = ORDER_SCOPE
RUN_SCOPE: Scope = lambda t, column: (  # noqa: E731
    t.role_of(column) in CENTRE_DISPATCH or t.world.staff[STAFF_COLUMNS[column]].outlet_id == t.run.outlet_id
)

ENTRIES.update(
    {
        # operations: health checks for load balancers, metrics for a scraper on loopback (the test
        # client's address) — nothing in them is an order's or a customer's
        "healthz": open_page(),
        "readyz": open_page(),
        "metrics": open_page(),
        # django and the public channels
        "set_language": open_page(post=True, get_status=PASSED),  # a GET only goes back
        "channels:book": open_page(post=True, kwargs=lambda t: {"brand_code": t.world.brand.code}),
        "channels:book_slots": open_page(kwargs=lambda t: {"brand_code": t.world.brand.code}),
        "channels:book_product": open_page(  # 扫码报修: the product's QR code
            post=True,
            kwargs=lambda t: {
                "brand_code": t.world.brand.code,
                "token": product_token(ProductRef(t.world.brand.code, t.world.model.code)),
            },
        ),
        "channels:wechat": Entry(
            kwargs=lambda t: {"brand_code": t.world.brand.code}, public=True, get=None, post=None
        ),  # signed by WeChat: any answer but a leak (doorstep/channels/tests/test_wechat.py)
        # the notification outbox (doorstep.notify): the desk of the centre; providers' status reports
        "channels:messages": page(get=DESK),
        "channels:message_retry": action(DESK, scope=same_centre, kwargs=lambda t: {"pk": _a_message(t)}),
        "channels:hurry_answer": action(DESK),  # 催单: the first-contact owner replies (R-IN-5)
        "channels:sms_status": Entry(
            kwargs=lambda t: {"provider": "aliyun", "token": "wrong"}, public=True, get=None, post=None
        ),  # a secret token in the URL: any answer but a leak (doorstep/channels/tests/test_notices.py)
        # payments (R-CO-2): the providers' signed notifications; the desk's reconciliation and refunds
        "channels:pay_notify": Entry(
            kwargs=lambda t: {"method": "wechat"}, public=True, get=None, post=None
        ),  # signed by the provider: any answer but a leak (doorstep/visits/tests/test_payment_live.py)
        "channels:payments": page(get=DESK),
        "channels:payment_refund": action(DESK, scope=same_centre, kwargs=lambda t: {"pk": _an_intent(t)}),
        # imports (R-IN-1): the desk of the centre
        "channels:import": page(get=DESK, post=DESK),
        "channels:import_template": page(get=DESK, kwargs=lambda t: {"fmt": "csv"}),
        "channels:import_report": page(get=DESK, kwargs=lambda t: {"pk": t.batch.pk}, scope=same_centre),
        "channels:import_report_csv": page(get=DESK, kwargs=lambda t: {"pk": t.batch.pk}, scope=same_centre),
        # the desk
        "orders:list": page(),
        "orders:new": page(post=DESK),  # the blank form for anyone; intake itself is the desk's
        "orders:search": page(extra={"q": "刘女士"}, get_status=PASSED),  # one match opens the order (302)
        "orders:deadlines": page(),  # the signed-in staff member's own deadlines
        "orders:lookup": page(get=DESK, extra={"phone": PHONE_A}),
        "orders:kb": page(extra={"q": "不制冷"}),
        "orders:date_hint": page(get=DESK, extra={"purchase_date": "2022年5月1日"}),
        "orders:calls": page(get=DESK, post=DESK),
        "orders:call_replied": action(DESK, scope=same_centre, kwargs=lambda t: {"pk": t.call_pk}),
        "orders:verify": action(CORRECTORS),  # R-IN-2: confirm problems as given
        "orders:correct": action(CORRECTORS),  # R-IN-2, R-DI-4: correct the order's information
        "orders:handover": action(DESK),
        "orders:fault_cause": action(FIELD, kwargs=lambda t: {"number": t.order.number, "position": 1}),
        "orders:act": action(
            _move_roles("depart"), kwargs=lambda t: {"number": t.order.number, "action": "depart"}
        ),
        "orders:detail": page(scope=ORDER_SCOPE, kwargs=NUMBER),
        "orders:charge": action(FIELD),
        "orders:consent": action(FIELD),
        "orders:appointment_time": action(FIELD | OUTLET | DESK),  # R-DI-3
        # dispatch
        "dispatch:board": page(get=OUTLET),
        "dispatch:optimise": page(get=None, post=OUTLET),
        "dispatch:run": page(get=OUTLET, scope=RUN_SCOPE, kwargs=lambda t: {"pk": t.run.pk}),
        "dispatch:run_apply": action(OUTLET, scope=RUN_SCOPE, kwargs=lambda t: {"pk": t.run.pk}),
        # the live re-plan's panel, its adoption and the R-DI-8 call (same outlet as the run)
        "dispatch:replan": page(get=OUTLET, scope=RUN_SCOPE, kwargs=lambda t: {"pk": t.replan.pk}),
        "dispatch:replan_apply": action(OUTLET, scope=RUN_SCOPE, kwargs=lambda t: {"pk": t.replan.pk}),
        "dispatch:replan_call": action(
            OUTLET, scope=RUN_SCOPE, kwargs=lambda t: {"pk": t.replan.pk, "number": t.order.number}
        ),
        "dispatch:breaches": page(),
        "dispatch:slots_preview": page(),
        "dispatch:assign": action(OUTLET),
        "dispatch:to_outlet": action(OUTLET),
        "dispatch:accept": action(OUTLET),
        "dispatch:why": page(get=OUTLET, scope=ORDER_SCOPE, kwargs=NUMBER),
        "dispatch:slots": page(scope=ORDER_SCOPE, kwargs=NUMBER),
        "dispatch:late_call": action(),
        "dispatch:escalate": action(),
        # the visit
        "visits:today": page(),
        "visits:service_worker": page(),
        "visits:my_day": page(
            get=frozenset({Role.TECHNICIAN})
        ),  # the departures, kept offline (R-DI-7)  # the technician app's offline worker: signed-in staff
        "visits:tasks": page(),
        "visits:task_done": action(scope=TASK_SCOPE, kwargs=lambda t: {"pk": t.task.pk}),
        "visits:card": open_page(kwargs=lambda t: {"token": t.card_token}),
        "visits:card_photo": open_page(kwargs=lambda t: {"token": t.card_token}),
        "visits:track_quote": signed(get=False, post=True),
        "visits:track_report": signed(),
        "visits:track_takeback": signed(),
        "visits:visit": page(scope=ORDER_SCOPE, kwargs=NUMBER),
        "visits:move": action(FIELD, kwargs=lambda t: {"number": t.order.number, "action": "depart"}),
        "visits:step": action(FIELD, kwargs=lambda t: {"number": t.order.number, "name": "kit"}),
        "visits:customer": page(post=FIELD, scope=ORDER_SCOPE, kwargs=NUMBER),
        "visits:report": page(scope=ORDER_SCOPE, kwargs=NUMBER),
        "visits:photo": page(
            scope=ORDER_SCOPE, kwargs=lambda t: {"number": t.order.number, "pk": t.photo_pk}
        ),
        "visits:takeback": page(scope=ORDER_SCOPE, kwargs=NUMBER),
        # quality
        "quality:callbacks": page(get=CALLERS),
        "quality:callback": action(CALLERS),
        "quality:callback_survey": action(CALLERS),
        "quality:complaints": page(),
        "quality:complaint_act": action(
            scope=COMPLAINT_SCOPE, kwargs=lambda t: {"pk": t.complaint_pk, "action": "respond"}
        ),
        "quality:complaint_new": action(),
        "quality:fault": action(FIELD),
        "quality:insight_new": action(),
        "quality:language": page(get=QUALITY_TEAM),
        "quality:language_suggest": page(extra={"text": "你错了"}),
        "quality:language_review": action(
            QUALITY_TEAM, scope=same_centre, kwargs=lambda t: {"pk": t.flag.pk, "action": "dismiss"}
        ),
        "quality:dashboard": page(get=DASHBOARD_VIEWERS),
        "quality:drill": page(get=DASHBOARD_VIEWERS, extra={"metric": "on_time"}),
        "quality:export": page(get=DASHBOARD_VIEWERS, kwargs=lambda t: {"fmt": "csv"}),
        "quality:warnings": page(get=QUALITY_TEAM),
        "quality:warning_ack": action(QUALITY_TEAM, scope=same_centre, kwargs=lambda t: {"pk": t.warning.pk}),
        "quality:insights": page(),
        "quality:insight_state": action(
            QUALITY_TEAM, scope=same_centre, kwargs=lambda t: {"pk": t.insight.pk}
        ),
        "quality:archive": page(
            scope=ORDER_SCOPE, kwargs=lambda t: {"kind": "customer", "pk": t.order.customer_id}
        ),
        "quality:people": page(get=DASHBOARD_VIEWERS),
        "quality:track_survey": signed(get=False, post=True),
        "quality:track_complaint": signed(get=False, post=True),
        "quality:track_complaint_answer": signed(
            get=False, post=True, kwargs=lambda t: {"token": tracking_token(t.order), "pk": t.complaint_pk}
        ),
        # the web
        "web:home": page(get_status=PASSED),  # each role's own start page
        "web:login": open_page(),
        "web:logout": open_page(get=False, post=True),
        "web:track": signed(),
        "web:track_sign": signed(get=False, post=True),
        "web:track_pay": signed(get=False, post=True),
        "web:track_pay_jsapi": signed(get=False, post=True),  # WeChat Pay inside WeChat (JSAPI, R-CO-2)
        # WeChat's web authorisation for the JSAPI payment (R-CO-2): off to WeChat (a redirect, or back to the
        # page when the service account is not configured) and its return (no state: 400, nothing stored)
        "web:track_pay_wechat_auth": Entry(
            kwargs=lambda t: {"token": tracking_token(t.order)},
            get=ALL_STAFF,
            public=True,
            customer_of=lambda t: t.order,
            customer_act_get=True,
            get_status=PASSED,
        ),
        "web:track_pay_wechat_back": Entry(
            kwargs=lambda t: {"token": tracking_token(t.order)},
            get=ALL_STAFF,
            public=True,
            customer_of=lambda t: t.order,
            customer_act_get=True,
            get_status=PASSED,
        ),
        "web:track_confirm": signed(get=False, post=True),
        "web:track_move": signed(post=True),
        "web:track_cancel": signed(get=False, post=True),
        "web:track_photo": signed(),  # the photo of the technician sent (R-PV-2)
        "web:track_live": signed(),  # the live part of the tracking page (status, ETA, 催单)
        "web:track_hurry": signed(get=False, post=True),  # 催单 (R-IN-5)
        # the JSON API: staff tokens
        "api:create_order": Entry(get=None, post=DESK, api="staff"),
        "api:list_orders": Entry(get=ALL_STAFF, api="staff"),
        "api:read_order /api/orders/<number>": Entry(
            kwargs=NUMBER, get=ALL_STAFF, scope=ORDER_SCOPE, api="staff"
        ),
        "api:perform_action": Entry(
            kwargs=lambda t: {"number": t.order.number, "action": "depart"},
            get=None,
            post=_move_roles("depart"),
            scope=ORDER_SCOPE,
            api="staff",
        ),
        "api:add_charge": Entry(
            kwargs=NUMBER, get=None, post=FIELD, scope=ORDER_SCOPE, api="staff", data={"fee_code": "L-REPAIR"}
        ),
        "api:add_consent": Entry(
            kwargs=NUMBER,
            get=None,
            post=FIELD,
            scope=ORDER_SCOPE,
            api="staff",
            data={"kind": "take_back", "given_by": "刘女士", "source": "phone_agreed"},
        ),
        "api:confirm_appointment_time": Entry(  # R-DI-3
            kwargs=NUMBER, get=None, post=FIELD | OUTLET | DESK, scope=ORDER_SCOPE, api="staff", data={}
        ),
        # the partner API: a partner's key
        "api:push_order": Entry(get=None, post=frozenset({Party.PARTNER}), api="partner"),
        "api:read_order /api/partner/orders/<external_ref>": Entry(
            kwargs=lambda t: {"external_ref": t.partner_ref},
            get=frozenset({Party.PARTNER}),
            api="partner",
            customer_of=lambda t: None,
        ),
    }
)

# not in the matrix: the OpenAPI documents, and the Django admin but for the representative pages below
SKIPPED = {"api:openapi-json", "api:openapi-view", "api:api-root"}
ADMIN_PAGES = {"admin:customers_customer_changelist", "admin:orders_workorder_changelist", "admin:index"}


def url_names() -> dict[str, str]:
    """Every named URL of the URL conf → its route; a name used twice is told apart by its route."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace or "") if x)
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                found.append(
                    (f"{namespace}:{p.name}" if namespace else p.name, "/" + prefix + str(p.pattern))
                )

    walk(get_resolver(), "", "")
    counts: dict[str, int] = {}
    for name, _route in found:
        counts[name] = counts.get(name, 0) + 1
    return {(name if counts[name] == 1 else f"{name} {route}"): route for name, route in found}


def matrix_keys() -> list[str]:
    return sorted(
        k for k in url_names() if k not in SKIPPED and (not k.startswith("admin:") or k in ADMIN_PAGES)
    )


def test_every_url_has_an_entry() -> None:
    missing = [k for k in matrix_keys() if k not in ENTRIES and not k.startswith("admin:")]
    assert not missing, f"add an entry to ENTRIES in {__file__} for: {missing}"
    stale = [k for k in ENTRIES if k not in url_names()]
    assert not stale, f"ENTRIES names URLs that no longer exist: {stale}"


def fill(route: str, kwargs: dict[str, Any]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: quote(str(kwargs[m.group(1)])), route)


def expected(entry: Entry, method: str, t: Things, column: str) -> str:
    roles = entry.get if method == "get" else entry.post
    if roles is None:
        return NOT_ALLOWED if not (column == ANON and not entry.public and not entry.api) else LOGIN
    if entry.api:
        if column == ANON:
            return UNAUTH
        if (entry.api == "partner") != (column == PARTNER):
            return UNAUTH  # a staff token on the partner API, a partner key on the staff API
    elif column == ANON and not entry.public:
        return LOGIN
    acting = (entry.customer_act and method == "post") or (entry.customer_act_get and method == "get")
    if acting and column != ANON:
        return DENY  # a staff session on the customer's link acts for nobody (R-CO-1)
    if entry.public or column == PARTNER:
        return (entry.get_status or OK) if method == "get" else PASSED
    role = t.role_of(column)
    in_scope = entry.scope(t, column)
    if role not in roles:
        return DENY if method == "get" or not in_scope else REFUSED
    if not in_scope:
        return HIDDEN
    return (entry.get_status or OK) if method == "get" else PASSED


REFUSED = "refused"  # a POST by a role the action is not for, on an object it sees: refused, any way
MATCHES[REFUSED] = lambda status, where: status != 405 and status < 500


def request(entry: Entry, method: str, t: Things, column: str, url: str) -> Any:
    client = Client()
    headers: dict[str, str] = {}
    if entry.api:
        key = t.partner_key if column == PARTNER else t.tokens.get(column)
        if key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        if method == "post":
            return client.post(url, data=json.dumps(entry.data), content_type="application/json", **headers)
        return client.get(url, entry.extra, **headers)
    if column in STAFF_COLUMNS:
        client.force_login(t.world.staff[STAFF_COLUMNS[column]].user)
    if method == "post":
        return client.post(url, entry.data)
    return client.get(url, entry.extra)


def body_text(response: Any) -> str:
    content = getattr(response, "content", None)
    if content is None:
        content = b"".join(response.streaming_content)
    text = content.decode("utf-8", errors="ignore")
    if "json" in response.get("Content-Type", ""):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


CONTACT = {  # what must not show unless the viewer needs it (R-PV-1): the number and the street and door
    "order": (PHONE_A, STREET_A),
    "closed": (PHONE_CLOSED, STREET_CLOSED),
    "other": (PHONE_B, STREET_B),
    "paid": (PHONE_PAID, STREET_PAID),
}


def may_see(entry: Entry, t: Things, column: str, order: WorkOrder) -> bool:
    if entry.customer_of(t) is not None:
        return entry.customer_of(t) == order  # the holder of a signed link is that order's customer
    actor = t.actor(column)
    return actor is not None and can_see_contact(actor, order)


def leaks(entry: Entry, t: Things, column: str, text: str) -> list[str]:
    found = []
    for attr, (phone, street) in CONTACT.items():
        order: WorkOrder = getattr(t, attr)
        shown = [x for x in (phone, street.replace(" ", "")) if x in text.replace(" ", "")]
        if shown and not may_see(entry, t, column, order):
            found.append(f"{attr}:{'+'.join(shown)}")
    return found


def run_cell(entry: Entry, method: str, t: Things, column: str, route: str) -> str | None:
    """None if the cell is as expected, else what is wrong with it."""
    want = expected(entry, method, t, column)
    url = fill(route, entry.kwargs(t))
    with transaction.atomic():
        response = request(entry, method, t, column, url)
        transaction.set_rollback(True)  # each cell sees the same world
    status, where = response.status_code, response.get("Location", "")
    problems = []
    if not (entry.get is None and entry.post is None) and not MATCHES[want](status, where):
        problems.append(f"status {status} (expected {want})")
    leaked = leaks(entry, t, column, body_text(response))
    if leaked:
        problems.append("shows " + ", ".join(leaked))
    return f"{method.upper()} {url} as {column}: " + "; ".join(problems) if problems else None


def cells_of(key: str) -> list[tuple[str, str]]:
    entry = ENTRIES[key]
    columns = API_COLUMNS if entry.api else PAGE_COLUMNS
    methods = [m for m, roles in (("get", entry.get), ("post", entry.post)) if roles is not None] or ["get"]
    if entry.get is None and entry.post is not None and not entry.api:
        methods = ["get", "post"]  # a GET on a POST-only URL: 405 (or the log-in page)
    return [(m, c) for m in methods for c in columns]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # the visit photo is written here, not into var/


@pytest.fixture(scope="module")
def _routes() -> dict[str, str]:
    return url_names()


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_permission_matrix_R_PV_1(key: str, db: None, _routes: dict[str, str]) -> None:
    t = build_things()
    entry = ENTRIES[key]
    wrong = [w for m, c in cells_of(key) if (w := run_cell(entry, m, t, c, _routes[key]))]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", sorted(ADMIN_PAGES))
def test_admin_pages_list_no_full_phone_R_PV_1(key: str, db: None) -> None:
    t = build_things()
    admin = t.world.staff["admin"].user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    text = body_text(client.get(reverse(key)))
    assert not [p for p, _s in CONTACT.values() if p in text]
