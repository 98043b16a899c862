"""Can this technician take this order, and if not, why (R-DI-2, R-PR-2)? The dispatcher always sees why.

Checked: the outlet; a valid work permit; the skill for the product line and service type; the
qualifications and safety equipment the job needs, within their expiry (R-PR-2: helmets ≤ 2.5 years,
insulating shoes tested every 6 months); and — when the visit day is known — the working calendar,
shift and leave. The same facts, as skill tokens, feed the routing core (:func:`profile_tokens`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.policy import Policy
from doorstep.dispatch.models import JobRequirement, SafetyEquipment
from doorstep.network.models import Qualification, Seniority, Technician, TrainingRecord
from doorstep.network.policy import policy_of

if TYPE_CHECKING:
    from doorstep.orders.models import WorkOrder


@dataclass(frozen=True)
class Job:
    """What an order needs from a technician."""

    outlet_id: int | None
    line_id: int | None
    service_type: str
    qualifications: frozenset[str]
    equipment: frozenset[str]
    senior_than: int | None = None  # R-DI-10: only a strictly more senior technician

    def tokens(self) -> frozenset[str]:
        """Required skill tokens for the routing core (R-DI-2, R-PR-2, R-DI-10)."""
        skill = {f"skill:{self.line_id}:{self.service_type}"} if self.line_id else set()
        senior = {f"senior>{self.senior_than}"} if self.senior_than is not None else set()
        return frozenset(
            skill | senior | {f"q:{q}" for q in self.qualifications} | {f"e:{e}" for e in self.equipment}
        )


def job_of(order: WorkOrder, requirements: list[JobRequirement] | None = None) -> Job:
    line_id = order.product.model.line_id if order.product and order.product.model else None
    reqs = requirements if requirements is not None else list(order.brand.job_requirements.all())
    applicable = [r for r in reqs if r.applies(line_id, order.service_type)]
    return Job(
        outlet_id=order.outlet_id,
        line_id=line_id,
        service_type=order.service_type,
        qualifications=frozenset(r.qualification for r in applicable if r.qualification),
        equipment=frozenset(r.equipment for r in applicable if r.equipment),
        senior_than=order.senior_than,
    )


@dataclass(frozen=True)
class Profile:
    """A technician's valid skills, qualifications and equipment on one day."""

    technician_id: int
    outlet_id: int | None
    skills: frozenset[tuple[int, str]]  # (line, service type); service type "*" = every type
    qualifications: frozenset[str]
    equipment: frozenset[str]
    seniority: int = 1  # R-DI-10

    def senior_enough(self, job: Job) -> bool:
        """R-DI-10: strictly more senior than the technician the customer refused (any, when none was)."""
        return job.senior_than is None or self.seniority > job.senior_than

    def has_skill(self, line_id: int, service_type: str) -> bool:
        return (line_id, service_type) in self.skills or (line_id, "*") in self.skills

    def tokens(self, jobs: list[Job]) -> frozenset[str]:
        held = {
            f"skill:{j.line_id}:{j.service_type}"
            for j in jobs
            if j.line_id and self.has_skill(j.line_id, j.service_type)
        }
        senior = {
            f"senior>{j.senior_than}" for j in jobs if j.senior_than is not None and self.senior_enough(j)
        }
        return frozenset(
            held | senior | {f"q:{q}" for q in self.qualifications} | {f"e:{e}" for e in self.equipment}
        )


def profile_of(technician: Technician, on: date, policy: Policy) -> Profile:
    detailed = {(s.line_id, s.service_type) for s in technician.skills.all()}
    detailed_lines = {line for line, _t in detailed}
    broad = {(line.pk, "*") for line in technician.product_lines.all() if line.pk not in detailed_lines}
    return Profile(
        technician_id=technician.pk,
        outlet_id=technician.staff.outlet_id,
        skills=frozenset(detailed | broad),
        qualifications=frozenset(q.kind for q in technician.qualifications.all() if q.is_valid(on)),
        equipment=frozenset(e.kind for e in technician.equipment.all() if e.is_valid(on, policy)),
        seniority=technician.seniority,
    )


def job_reasons(job: Job, profile: Profile) -> list[str]:
    """Why ``profile`` cannot do ``job`` (R-DI-2, R-PR-2); empty when it can."""
    why: list[str] = []
    if profile.outlet_id != job.outlet_id:
        why.append(_("不属于本网点"))
    if Qualification.Kind.WORK_PERMIT not in profile.qualifications:
        why.append(_("上岗证缺失或已过期"))
    if job.line_id and not profile.has_skill(job.line_id, job.service_type):
        if any(line == job.line_id for line, _t in profile.skills):
            why.append(_("无该产品线的此类服务技能"))
        else:
            why.append(_("无该产品线技能"))
    for kind in sorted(job.qualifications - profile.qualifications):
        why.append(_("缺少有效资质：%(kind)s") % {"kind": Qualification.Kind(kind).label})
    for kind in sorted(job.equipment - profile.equipment):
        why.append(_("安全装备缺失或过期：%(kind)s") % {"kind": SafetyEquipment.Kind(kind).label})
    if job.senior_than is not None and not profile.senior_enough(job):
        why.append(
            _("客户曾拒绝%(level)s入户或质疑其资质，须改派更资深的工程师（R-DI-10）")
            % {"level": Seniority(job.senior_than).label}
        )
    return why


def technician_ineligibility(*, order: WorkOrder, technician: Technician, on: date) -> list[str]:
    """Reasons the technician may not take the order on ``on``; empty when eligible.

    Expiry is judged on the visit day when the appointment is known (else on ``on``); so is the
    working calendar, shift and leave.
    """
    from doorstep.dispatch.calendar import work_day

    visit_day = timezone.localtime(order.window_start).date() if order.window_start else None
    policy = policy_of(order)
    why = job_reasons(job_of(order), profile_of(technician, visit_day or on, policy))
    if visit_day is not None:
        day = work_day(technician, visit_day, policy)
        if not day.works:
            why.append(day.why_not)
    why.extend(training_ineligibility(order=order, technician=technician, on=visit_day or on))
    return why


def training_ineligibility(*, order: WorkOrder, technician: Technician, on: date) -> list[str]:
    """Mandatory training (R-QA-7) of this technician for the order's line that lapsed or was failed (R-DI-2).

    Each mandatory course counts by its latest record; a course never required is no obstacle.
    """
    line_id = order.product.model.line_id if order.product and order.product.model else None
    records = TrainingRecord.objects.filter(staff_id=technician.staff_id, mandatory=True).order_by(
        "course", "-completed_on", "-pk"
    )
    latest: dict[str, TrainingRecord] = {}
    for record in records:
        if record.product_line_id in (None, line_id):
            latest.setdefault(record.course, record)
    return [
        _("必修培训「%(course)s」已过期或未通过") % {"course": r.course}
        for r in latest.values()
        if not r.is_valid(on)
    ]
