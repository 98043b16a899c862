"""Every number of the service standard, declared once (pure Python, no Django).

Each field of :class:`Policy` is one number: its default (STANDARD.md's, or an operator choice where
the standard gives none), its unit, the rule it implements and a help text. The stored overrides
(per brand, and per service centre over the brand) live in ``network.Policy`` and are read with
``doorstep.network.policy.policy_for``; a missing value means "the default below". The object handed
out is frozen: a read never writes, a caller never changes a number.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields, replace
from datetime import time
from decimal import Decimal
from typing import Any

MINUTES, HOURS, DAYS, MONTHS, SECONDS = "min", "h", "d", "months", "s"
_DATA_LINES = ("tv", "pc", "phone", "broadband")
_9H, _11H30, _13H, _18H = time(9, 0), time(11, 30), time(13, 0), time(18, 0)
_8H, _21H = time(8, 0), time(21, 0)


RESPONSE_SERVICE_TYPES = ("install", "repair", "maintenance", "consultation")  # R-IN-3's types
RESPONSE_PRIORITIES = ("urgent", "normal", "low")


def number(default: Any, unit: str, rule: str, help: str) -> Any:
    """Declare one number of the standard (a dataclass field carrying its unit, rule id and help text)."""
    return field(default=default, metadata={"unit": unit, "rule": rule, "help": help})


@dataclass(frozen=True, slots=True)
class StarRule:
    """One star level and the KPI thresholds that earn it (R-QA-4); the highest level met applies."""

    stars: int
    min_orders: int = 10
    min_on_time: Decimal = Decimal("0")
    min_first_fix: Decimal = Decimal("0")
    max_repeat: Decimal = Decimal("1")
    min_satisfaction: Decimal = Decimal("0")
    max_complaint_rate: Decimal = Decimal("1")
    max_language_flags: int = 1000


def _stars(*rows: tuple[int, int, str, str, str, str, str, int]) -> tuple[StarRule, ...]:
    return tuple(
        StarRule(s, n, Decimal(a), Decimal(b), Decimal(c), Decimal(d), Decimal(e), f)
        for s, n, a, b, c, d, e, f in rows
    )


# R-QA-4: stars, min orders, on-time ≥, first fix ≥, repeat ≤, satisfaction ≥, complaint rate ≤, flags ≤
DEFAULT_STAR_RULES = _stars(
    (5, 20, "0.95", "0.90", "0.03", "4.80", "0.010", 0),
    (4, 15, "0.90", "0.85", "0.05", "4.50", "0.020", 1),
    (3, 10, "0.85", "0.80", "0.08", "4.20", "0.040", 3),
    (2, 5, "0.75", "0.70", "0.12", "4.00", "0.060", 5),
    (1, 1, "0", "0", "1", "0", "1", 1000),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """The standard's numbers for one brand (and centre). Defaults: STANDARD.md."""

    # §1 intake
    # R-IN-4: the response promise as a table, service type × urgency (the first three: repair, and any
    # other type without a row of its own)
    response_minutes_urgent: int = number(240, MINUTES, "R-IN-4", "维修（及其他类型）紧急工单的响应承诺")
    response_minutes_normal: int = number(1440, MINUTES, "R-IN-4", "维修（及其他类型）普通工单的响应承诺")
    response_minutes_low: int = number(2880, MINUTES, "R-IN-4", "维修（及其他类型）低优先级工单的响应承诺")
    response_minutes_install_urgent: int = number(480, MINUTES, "R-IN-4", "安装紧急工单的响应承诺")
    response_minutes_install_normal: int = number(2880, MINUTES, "R-IN-4", "安装普通工单的响应承诺")
    response_minutes_install_low: int = number(4320, MINUTES, "R-IN-4", "安装低优先级工单的响应承诺")
    response_minutes_maintenance_urgent: int = number(480, MINUTES, "R-IN-4", "保养紧急工单的响应承诺")
    response_minutes_maintenance_normal: int = number(2880, MINUTES, "R-IN-4", "保养普通工单的响应承诺")
    response_minutes_maintenance_low: int = number(4320, MINUTES, "R-IN-4", "保养低优先级工单的响应承诺")
    response_minutes_consultation_urgent: int = number(60, MINUTES, "R-IN-4", "咨询紧急工单的响应承诺")
    response_minutes_consultation_normal: int = number(240, MINUTES, "R-IN-4", "咨询普通工单的响应承诺")
    response_minutes_consultation_low: int = number(480, MINUTES, "R-IN-4", "咨询低优先级工单的响应承诺")
    verify_hours: int = number(2, HOURS, "R-IN-2", "信息不全/存疑时客服核实的时限")
    duplicate_window_hours: int = number(72, HOURS, "R-IN-2", "此小时内同一电话同一产品线的未结工单为重复")
    hurry_interval_minutes: int = number(
        30, MINUTES, "R-IN-5", "客户在进度页催单：同一工单两次催单的最短间隔"
    )
    hurry_reply_minutes: int = number(30, MINUTES, "R-IN-5", "客户催单后首问负责人承诺回复的时限")
    # §2 analysis
    consultation_followup_minutes: int = number(180, MINUTES, "R-AN-2", "电话咨询后跟踪回访")
    # §3 dispatch and appointment
    outlet_accept_minutes: int = number(30, MINUTES, "R-DI-1", "网点接单时限，逾期由中心转派")
    max_visits_per_technician: int = number(8, "visits", "R-DI-1", "每位工程师每日上门上限")
    service_hours_start: time = number(_9H, "time", "R-DI-3", "服务时间开始（工作日）")  # noqa: RUF009 - time is immutable
    service_hours_end: time = number(_18H, "time", "R-DI-3", "服务时间结束（工作日）")  # noqa: RUF009 - time is immutable
    slot_minutes: int = number(120, MINUTES, "R-DI-3", "预约时段长度")
    slot_step_minutes: int = number(30, MINUTES, "R-DI-3", "可选开始时间间隔")
    slot_days: int = number(7, DAYS, "R-DI-3", "可预约天数（含客户自助预约）")
    slot_lead_minutes: int = number(60, MINUTES, "R-DI-3", "最早可约时间距现在")
    service_minutes_install: int = number(90, MINUTES, "R-DI-3", "安装作业时长")
    service_minutes_repair: int = number(60, MINUTES, "R-DI-3", "维修作业时长")
    service_minutes_maintenance: int = number(60, MINUTES, "R-DI-3", "保养作业时长")
    service_minutes_consultation: int = number(30, MINUTES, "R-DI-3", "咨询上门作业时长")
    lunch_earliest: time = number(_11H30, "time", "R-DI-3", "午休最早开始")  # noqa: RUF009 - time is immutable
    lunch_latest: time = number(_13H, "time", "R-DI-3", "午休最晚开始")  # noqa: RUF009 - time is immutable
    lunch_minutes: int = number(60, MINUTES, "R-DI-3", "午休时长")
    early_arrival_minutes: int = number(5, MINUTES, "R-DI-7", "比预约时间提前到达（出发时间据此计算）")
    departure_reminder_minutes: int = number(15, MINUTES, "R-DI-7", "出发前提醒工程师")
    reschedule_half_day_minutes: int = number(720, MINUTES, "R-DI-8", "“半天内”延误的界限")
    reschedule_notice_same_day_minutes: int = number(30, MINUTES, "R-DI-8", "半天内延误须提前告知客户")
    reschedule_notice_minutes: int = number(120, MINUTES, "R-DI-8", "超过半天或改约须提前告知客户")
    customer_change_notice_minutes: int = number(
        120, MINUTES, "R-DI-8", "客户在线改约或取消须早于预约时间（更晚须致电客服）"
    )
    customer_confirm_notice_minutes: int = number(30, MINUTES, "R-DI-8", "客户在线确认新时间须早于该时间")
    quiet_hours_start: time = number(_21H, "time", "R-DI-3", "免打扰开始：此后不发非紧急短信（顺延到早上）")  # noqa: RUF009 - time is immutable
    quiet_hours_end: time = number(_8H, "time", "R-DI-3", "免打扰结束：顺延的短信此时发出")  # noqa: RUF009 - time is immutable
    previsit_call_retry_minutes: int = number(15, MINUTES, "R-DI-5", "上门前联系客户未接通：重拨间隔")
    previsit_call_attempts: int = number(3, "times", "R-DI-5", "上门前联系客户最多拨打次数，仍未接通则发短信")
    risk_check_minutes: int = number(60, MINUTES, "R-DI-9", "预约前检查能否准时到达")
    plan_seconds: int = number(10, SECONDS, "R-DI-9", "路线优化计算时长")
    travel_road_factor: float = number(1.35, "×", "R-DI-7", "路程系数（直线距离×）")
    travel_speed_kmh: float = number(25.0, "km/h", "R-DI-7", "市内平均车速")
    # §4 before the visit
    helmet_max_months: int = number(30, MONTHS, "R-PR-2", "安全帽最长使用期")
    shoes_test_months: int = number(6, MONTHS, "R-PR-2", "绝缘鞋检测周期")
    expiry_warning_days: int = number(30, DAYS, "R-PR-2", "资质/装备到期前提示的天数")
    # §5 arrival
    knock_retry_seconds: int = number(30, SECONDS, "R-AR-1", "敲门无应答重复间隔")
    knock_call_after_minutes: int = number(5, MINUTES, "R-AR-1", "敲门无应答后致电客户")
    rebook_due_hours: int = number(4, HOURS, "R-AR-2", "无人在家：客服重新预约时限")
    late_call_before_minutes: int = number(2, MINUTES, "R-AR-5", "将迟到时最早在预约时间前此分钟数致电客户")
    late_call_latest_minutes: int = number(1, MINUTES, "R-AR-5", "将迟到时最晚在预约时间前此分钟数致电客户")
    lateness_escalation_minutes: int = number(15, MINUTES, "R-AR-5", "迟到达到此分钟数为严重迟到（升级）")
    apology_visit_hours: int = number(24, HOURS, "R-AR-5", "投诉主管或其他领导上门致歉的时限")
    wrong_customer_due_hours: int = number(1, HOURS, "R-AR-6", "找错客户：客服核对地址的时限")
    special_case_due_hours: int = number(4, HOURS, "R-AR-7", "客户本人不在且无法确认：改约时限")
    # §6–7 on site and completion
    data_lines: tuple[str, ...] = number(_DATA_LINES, "codes", "R-SV-4", "涉及存储数据的产品线代码")
    sign_code_minutes: int = number(10, MINUTES, "R-CO-1", "签字验证码有效期")
    sign_code_attempts: int = number(5, "times", "R-CO-1", "签字验证码最多尝试次数")
    # §8 after the visit
    callback_min_days: int = number(1, DAYS, "R-QA-1", "完工回访最早")
    callback_max_days: int = number(3, DAYS, "R-QA-1", "完工回访最迟")
    callback_retry_hours: int = number(4, HOURS, "R-QA-1", "回访未接通重试间隔")
    callback_max_attempts: int = number(3, "times", "R-QA-1", "回访最多拨打次数")
    low_score: int = number(2, "score", "R-QA-3", "满意度不高于此分自动转投诉")
    complaint_response_hours: int = number(24, HOURS, "R-QA-3", "投诉每一级的答复时限")
    repeat_repair_days: int = number(30, DAYS, "R-QA-4", "此天数内再次报修计为重复维修")
    warning_window_days: int = number(30, DAYS, "R-QA-5", "预警统计窗口")
    warning_baseline_windows: int = number(6, "windows", "R-QA-5", "预警基线窗口数")
    warning_alpha: float = number(0.01, "p", "R-QA-5", "预警显著性水平")
    warning_min_count: int = number(5, "orders", "R-QA-5", "预警最少维修单数")
    star_rules: tuple[StarRule, ...] = number(DEFAULT_STAR_RULES, "rows", "R-QA-4", "星级标准，高星在前")

    def response_minutes(self, service_type: str, priority: str) -> int:
        """R-IN-4: the response promise for a service type and an urgency (urgent / normal / low); repair's
        row serves every type without a row of its own (take-back, carry-in)."""
        own = f"response_minutes_{service_type}_{priority}"
        return int(getattr(self, own if own in NAMES else f"response_minutes_{priority}"))

    def response_table(self) -> list[tuple[str, dict[str, int]]]:
        """R-IN-4: the promise as a table, one row per service type with its minutes per urgency."""
        return [
            (kind, {p: self.response_minutes(kind, p) for p in RESPONSE_PRIORITIES})
            for kind in RESPONSE_SERVICE_TYPES
        ]

    def service_minutes(self, service_type: str) -> int:
        """R-DI-3: the service duration planned for a service type (repair for any other type)."""
        known = ("install", "maintenance", "consultation")
        return int(getattr(self, f"service_minutes_{service_type if service_type in known else 'repair'}"))

    def with_values(self, values: dict[str, Any]) -> Policy:
        """A copy with the given numbers replaced (None = keep); unknown names are refused."""
        unknown = set(values) - set(NAMES)
        if unknown:
            raise KeyError(f"not a policy number: {sorted(unknown)}")
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def declared() -> tuple[Field[Any], ...]:
    """The declaration of every number (name, default, metadata unit/rule/help), in order."""
    return fields(Policy)


NAMES: tuple[str, ...] = tuple(f.name for f in fields(Policy))
STORED_NAMES: tuple[str, ...] = tuple(n for n in NAMES if n != "star_rules")  # star rules are rows
DEFAULT = Policy()
