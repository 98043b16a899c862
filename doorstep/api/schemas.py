from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


# Every error answer the API gives, documented on every operation: 400 a malformed request (control
# characters), 401 no valid token, 403 a role that may not, 404 nothing of that name in the caller's scope,
# 409 a conflict with what already happened, 413 a body over the size limit, 422 a value the rules refuse,
# 429 too many requests.
ERRORS: dict[int, type[Schema]] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 429)}


class OrderIn(Schema):
    brand: str = Field(..., min_length=1, max_length=50, description="品牌代码")
    channel: str = Field("partner", description="phone / wechat / web / partner / import")
    service_type: str = Field("repair", description="install / repair / maintenance / consultation")
    priority: str = "normal"
    # R-IN-2: raw strings, blanks allowed — the intake rules judge them and answer with problems, not 422
    customer_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=60)
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    detail: str = Field("", max_length=200)
    address_text: str = Field("", max_length=300, description="整段地址（与省市区二选一）")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    model_code: str = Field("", max_length=60)
    serial: str = Field("", max_length=60)
    purchase_date: str | None = Field(
        None, max_length=40, description="如 2023-05-01、2023年5月1日；原样交给受理规则"
    )
    faults: list[str] = Field(default_factory=list, max_length=20)
    requirement: str = Field("", max_length=200, description="客户要求，如期望上门时间")
    accessories_note: str = Field("", max_length=200)
    fees_mentioned: bool = False
    exclusion: str = Field("", description="human_damage / force_majeure")
    carry_in: bool = Field(False, description="客户送修到站 (R-IN-7)")


class TransitionIn(Schema):
    reason: str = Field("", max_length=300)
    outlet: int | None = None
    technician: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    appointment_at: datetime | None = Field(None, description="与客户确认的上门时间，须在预约时段内 (R-DI-3)")
    by_agreement: bool | None = Field(None, description="窗口在服务时间外，已与客户约定 (R-DI-3)")
    missing: list[str] | None = None
    verified: dict[str, Any] | None = None
    answer: str | None = Field(None, max_length=1000)
    method: str | None = None
    receipt_no: str | None = Field(None, max_length=60)
    satisfaction: int | None = None
    product_works: bool | None = None
    feedback: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=300)


class ChargeIn(Schema):
    fee_code: str = Field(..., min_length=1, max_length=40)
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None
    covered: bool = False


class ConsentIn(Schema):
    """What staff may record for the customer: that they agreed by phone (R-CO-1). ``source`` must say
    ``phone_agreed``; anything else (the customer's own channels, or nothing) is refused 403."""

    kind: str
    given_by: str = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=300)
    source: str = Field("", max_length=20)
    seen: str = Field("", max_length=64)  # a quote: the fingerprint of the lines read to the customer


class EventOut(Schema):
    seq: int
    kind: str
    from_status: str
    to_status: str
    actor_role: str
    actor_name: str
    at: datetime
    reason: str
    data: dict[str, Any]
    customer_visible: bool
    rule: str


class DeadlineOut(Schema):
    kind: str
    rule: str
    due_at: datetime
    state: str
    owner: str | None


class OrderOut(Schema):
    number: str
    status: str
    status_label: str
    brand: str
    channel: str
    service_type: str
    priority: str
    customer_name: str
    phone: str
    address: str
    contact_masked: bool = Field(
        False, description="true when phone and address are masked: the caller does not need them (R-PV-1)"
    )
    product_model: str | None
    faults: list[str]
    missing_items: list[dict[str, Any]]
    warranty_status: str
    warranty_detail: dict[str, Any]
    owner: str | None
    outlet: int | None
    technician: int | None
    window_start: datetime | None
    window_end: datetime | None
    appointment_at: datetime | None = Field(
        None, description="规范计时的起点：已确认的上门时间，未确认时为预约时段开始 (R-DI-3)"
    )
    created_at: datetime
    allowed_actions: list[str]


class ProblemOut(Schema):
    field: str
    code: str
    message: str
    fix: str = Field("", description="建议的处理")
    suggestions: list[str] = Field(default_factory=list, description="可选的修正，如同名区所在的城市")


class IntakeOut(Schema):
    """R-IN-2: the verdict of this request and its problems — the same codes the agent sees."""

    verdict: str = Field(..., description="complete / incomplete / reject")
    problems: list[ProblemOut]
    order: str | None = None
    outcome: str | None = None
    duplicate_of: str | None = Field(None, description="与之重复、已关联的较早工单号")
    faults: list[str] = Field(default_factory=list)
    model_match: str = ""


class OrderDetailOut(OrderOut):
    timeline: list[EventOut]
    timeline_archived: list[str] = []  # months ("2025-03") of the record moved to the archive
    deadlines: list[DeadlineOut]
    tracking_url: str | None = None  # the customer's link: only for the desk that sends it (R-CO-1)
    intake: IntakeOut | None = None  # R-IN-2: this request's own verdict and problems (on create)
    outcome: str | None = None


class OrderListOut(Schema):
    count: int
    items: list[OrderOut]
