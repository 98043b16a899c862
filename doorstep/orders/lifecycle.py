"""The work order's lifecycle as data: statuses, and the one table of allowed moves.

Each move is (action, from-status → to-status), who may make it, and what it needs. The one function
that writes ``WorkOrder.status`` is ``doorstep.orders.services._transition``; everything else asks
this table. Rule ids from STANDARD.md are cited on the moves that implement them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.network.roles import DESK, DESK_AND_DISPATCH, FIELD, OUTLET, Party, Role


class Status(models.TextChoices):
    NEW = "new", _("新建")
    INFO_INCOMPLETE = "info_incomplete", _("信息待补全")  # R-IN-2
    TRIAGED = "triaged", _("已分诊")  # R-IN-3, R-IN-4
    CONSULT_RESOLVED = "consult_resolved", _("电话咨询已解决")  # R-AN-2
    DISPATCHED = "dispatched", _("已派网点")  # R-DI-1
    TRANSFERRED = "transferred", _("待转派")  # R-DI-1: outlet could not take it
    ASSIGNED = "assigned", _("已派工程师")  # R-DI-2
    CONFIRMED = "confirmed", _("已预约")  # R-DI-3
    RESCHEDULED = "rescheduled", _("改约待确认")  # R-DI-8
    EN_ROUTE = "en_route", _("已出发")  # R-DI-7
    ARRIVED = "arrived", _("已到达")  # R-AR-4
    NOBODY_HOME = "nobody_home", _("无人在家")  # R-AR-2
    IN_SERVICE = "in_service", _("服务中")  # R-SV-*
    TAKEN_BACK = "taken_back", _("拉回维修")  # R-AN-6, R-SV-6
    RETURNED = "returned", _("已送回")  # R-AN-6
    COMPLETED = "completed", _("已完工")  # R-CO-1
    PAID = "paid", _("已付款")  # R-CO-2
    CALLBACK_DONE = "callback_done", _("已回访")  # R-QA-1
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


TERMINAL = frozenset({Status.CLOSED, Status.CANCELLED})


class Action(models.TextChoices):
    TRIAGE = "triage", _("分诊")
    MARK_INCOMPLETE = "mark_incomplete", _("标记信息不全")
    COMPLETE_INFO = "complete_info", _("信息已核实")
    RESOLVE_BY_PHONE = "resolve_by_phone", _("电话指导解决")
    FOLLOWUP_RESOLVED = "followup_resolved", _("跟踪回访：已解决")
    CONVERT_TO_VISIT = "convert_to_visit", _("转上门服务")
    DISPATCH = "dispatch", _("派网点")
    DECLINE = "decline", _("网点退单")
    TRANSFER = "transfer", _("转派网点")
    ASSIGN = "assign", _("派工程师")
    CONFIRM_APPOINTMENT = "confirm_appointment", _("确认预约")
    RESCHEDULE = "reschedule", _("改约")
    DEPART = "depart", _("出发")
    ARRIVE = "arrive", _("到达")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REBOOK = "rebook", _("重新预约")
    START_SERVICE = "start_service", _("开始服务")
    TAKE_BACK = "take_back", _("拉回维修")
    RETURN_UNIT = "return_unit", _("送回")
    COMPLETE = "complete", _("完工（客户签字）")
    PAY = "pay", _("收款")
    RECORD_CALLBACK = "record_callback", _("记录回访")
    REOPEN = "reopen", _("重新打开")
    CLOSE = "close", _("关闭")
    CANCEL = "cancel", _("取消")
    ENTRY_REFUSED = "entry_refused", _("拒绝入户/质疑资质")  # R-DI-10


class Scope(models.TextChoices):
    """On which orders a role may make a move, beyond seeing the order (R-PV-1)."""

    VISIBLE = "", _("可见的工单")
    OWN_OUTLET = "own_outlet", _("本网点的工单（网点经理、工程师）")  # R-DI-1, R-DI-2
    OWN_VISIT = "own_visit", _("派给本人的工单（工程师）")  # R-PV-1


@dataclass(frozen=True)
class Move:
    action: Action
    source: Status
    target: Status
    roles: frozenset[str]
    needs_reason: bool = False
    customer_visible: bool = True
    rule: str = ""
    scope: Scope = Scope.VISIBLE


S, A, P, R = Status, Action, Party, Role
_CANCELLABLE = (
    S.NEW,
    S.INFO_INCOMPLETE,
    S.TRIAGED,
    S.DISPATCHED,
    S.TRANSFERRED,
    S.ASSIGNED,
    S.CONFIRMED,
    S.RESCHEDULED,
    S.NOBODY_HOME,
)

MOVES: tuple[Move, ...] = (
    # Intake and triage (§1–2)
    Move(A.TRIAGE, S.NEW, S.TRIAGED, DESK | {P.SYSTEM}, rule="R-IN-3"),
    Move(A.MARK_INCOMPLETE, S.NEW, S.INFO_INCOMPLETE, DESK | {P.SYSTEM}, rule="R-IN-2"),
    Move(A.MARK_INCOMPLETE, S.TRIAGED, S.INFO_INCOMPLETE, DESK | FIELD, rule="R-IN-2"),
    Move(A.COMPLETE_INFO, S.INFO_INCOMPLETE, S.TRIAGED, DESK | FIELD, rule="R-IN-2"),
    Move(A.RESOLVE_BY_PHONE, S.TRIAGED, S.CONSULT_RESOLVED, DESK, rule="R-AN-2"),
    Move(A.FOLLOWUP_RESOLVED, S.CONSULT_RESOLVED, S.CLOSED, DESK, rule="R-AN-2"),
    Move(A.CONVERT_TO_VISIT, S.CONSULT_RESOLVED, S.TRIAGED, DESK, needs_reason=True, rule="R-AN-2"),
    # Dispatch and appointment (§3)
    Move(A.DISPATCH, S.TRIAGED, S.DISPATCHED, DESK_AND_DISPATCH | {P.SYSTEM}, rule="R-DI-1"),
    Move(A.DISPATCH, S.TRANSFERRED, S.DISPATCHED, DESK_AND_DISPATCH, rule="R-DI-1"),
    # R-IN-2: the desk could not verify; the technician contacts the customer directly
    Move(A.DISPATCH, S.INFO_INCOMPLETE, S.DISPATCHED, DESK_AND_DISPATCH, needs_reason=True, rule="R-IN-2"),
    # the outlet declines, or does not accept in time and the system sends it back (R-DI-1)
    Move(
        A.DECLINE,
        S.DISPATCHED,
        S.TRANSFERRED,
        OUTLET | {P.SYSTEM},
        needs_reason=True,
        rule="R-DI-1",
        scope=Scope.OWN_OUTLET,
    ),
    Move(A.TRANSFER, S.DISPATCHED, S.DISPATCHED, DESK_AND_DISPATCH, needs_reason=True, rule="R-DI-1"),
    Move(A.TRANSFER, S.ASSIGNED, S.DISPATCHED, DESK_AND_DISPATCH, needs_reason=True, rule="R-DI-1"),
    Move(A.ASSIGN, S.DISPATCHED, S.ASSIGNED, OUTLET, rule="R-DI-2", scope=Scope.OWN_OUTLET),
    Move(A.ASSIGN, S.ASSIGNED, S.ASSIGNED, OUTLET, needs_reason=True, rule="R-AN-4", scope=Scope.OWN_OUTLET),
    # a clash or an unfixable fault moves a confirmed visit to another technician (R-AN-4, R-AN-5, R-DI-9)
    Move(
        A.ASSIGN, S.CONFIRMED, S.CONFIRMED, OUTLET, needs_reason=True, rule="R-AN-4", scope=Scope.OWN_OUTLET
    ),
    # the customer agrees the appointment on the tracking link (R-DI-3), within the notice of R-DI-8
    Move(A.CONFIRM_APPOINTMENT, S.ASSIGNED, S.CONFIRMED, OUTLET | FIELD | DESK | {P.CUSTOMER}, rule="R-DI-3"),
    Move(
        A.CONFIRM_APPOINTMENT, S.RESCHEDULED, S.CONFIRMED, OUTLET | FIELD | DESK | {P.CUSTOMER}, rule="R-DI-8"
    ),
    Move(
        A.RESCHEDULE,
        S.CONFIRMED,
        S.RESCHEDULED,
        OUTLET | FIELD | DESK | {P.CUSTOMER},
        needs_reason=True,
        rule="R-DI-8",
    ),
    Move(A.RESCHEDULE, S.EN_ROUTE, S.RESCHEDULED, OUTLET | FIELD, needs_reason=True, rule="R-DI-9"),
    # The visit (§5–6)
    Move(A.DEPART, S.CONFIRMED, S.EN_ROUTE, FIELD, rule="R-DI-7", scope=Scope.OWN_VISIT),
    Move(A.ARRIVE, S.EN_ROUTE, S.ARRIVED, FIELD, rule="R-AR-4", scope=Scope.OWN_VISIT),
    Move(
        A.NOBODY_HOME,
        S.ARRIVED,
        S.NOBODY_HOME,
        FIELD,
        needs_reason=True,
        rule="R-AR-2",
        scope=Scope.OWN_VISIT,
    ),
    Move(A.REBOOK, S.NOBODY_HOME, S.RESCHEDULED, FIELD | DESK | {P.CUSTOMER}, rule="R-AR-2"),
    # the customer refused entry or doubted the technician's qualification: back to the outlet, to be
    # rebooked with a more senior technician (R-DI-10)
    Move(
        A.ENTRY_REFUSED,
        S.ARRIVED,
        S.DISPATCHED,
        FIELD,
        needs_reason=True,
        rule="R-DI-10",
        scope=Scope.OWN_VISIT,
    ),
    Move(A.START_SERVICE, S.ARRIVED, S.IN_SERVICE, FIELD, rule="R-SV-1", scope=Scope.OWN_VISIT),
    Move(
        A.TAKE_BACK,
        S.IN_SERVICE,
        S.TAKEN_BACK,
        FIELD,
        needs_reason=True,
        rule="R-AN-6",
        scope=Scope.OWN_VISIT,
    ),
    Move(A.RETURN_UNIT, S.TAKEN_BACK, S.RETURNED, FIELD, rule="R-AN-6", scope=Scope.OWN_VISIT),
    # Completion and after (§7–8)
    Move(A.COMPLETE, S.IN_SERVICE, S.COMPLETED, FIELD | {P.CUSTOMER}, rule="R-CO-1", scope=Scope.OWN_VISIT),
    Move(A.COMPLETE, S.RETURNED, S.COMPLETED, FIELD | {P.CUSTOMER}, rule="R-CO-1", scope=Scope.OWN_VISIT),
    Move(A.PAY, S.COMPLETED, S.PAID, FIELD | {P.CUSTOMER}, rule="R-CO-2", scope=Scope.OWN_VISIT),
    # the callback: by phone (desk, quality) or the customer's own online questionnaire (R-QA-1, R-QA-2)
    Move(A.RECORD_CALLBACK, S.COMPLETED, S.CALLBACK_DONE, DESK | {R.QUALITY, P.CUSTOMER}, rule="R-QA-1"),
    Move(A.RECORD_CALLBACK, S.PAID, S.CALLBACK_DONE, DESK | {R.QUALITY, P.CUSTOMER}, rule="R-QA-1"),
    Move(A.CLOSE, S.CALLBACK_DONE, S.CLOSED, DESK | {R.QUALITY}, rule="R-CO-4"),
    # a problem found after completion (callback, complaint) sends the order back to dispatch (R-QA-1)
    *(
        Move(A.REOPEN, s, S.TRIAGED, DESK | {R.QUALITY}, needs_reason=True, rule="R-QA-1")
        for s in (S.COMPLETED, S.PAID, S.CALLBACK_DONE)
    ),
    # the customer may cancel on the tracking link, with the notice of R-DI-8 (doorstep/channels/moves.py)
    *(
        Move(A.CANCEL, s, S.CANCELLED, DESK_AND_DISPATCH | OUTLET | {P.CUSTOMER}, needs_reason=True)
        for s in _CANCELLABLE
    ),
)

_TABLE: dict[tuple[Status, Action], Move] = {(m.source, m.action): m for m in MOVES}
if len(_TABLE) != len(MOVES):  # pragma: no cover - guards the table itself
    raise RuntimeError("lifecycle table has two moves for one (status, action)")


def find_move(source: str, action: str) -> Move | None:
    try:
        return _TABLE.get((Status(source), Action(action)))
    except ValueError:
        return None


def moves_from(source: str) -> list[Move]:
    return [m for m in MOVES if m.source == source]
