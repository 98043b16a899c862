"""Optimise an outlet's day: a background run with progress in a row, before/after figures, and applying
the plan (technicians assigned, R-DI-7 departure times stored per visit).

The solver is the routing core's (:func:`doorstep.dispatch.routing.solve`); it runs in a thread while
the task ticks the run's progress from the elapsed share of its time budget.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core import clock
from doorstep.core.errors import DomainError, ErrorCode, Forbidden
from doorstep.dispatch.daymodel import DayModel, build_day, evaluate_current, evaluate_plan
from doorstep.dispatch.models import PlannedVisit, PlanRun
from doorstep.dispatch.routing import Plan, SolveOptions, Unassigned, plan_departures, solve
from doorstep.dispatch.selectors import board_outlets
from doorstep.network.actors import Actor
from doorstep.network.models import Outlet, Technician
from doorstep.network.policy import policy_for
from doorstep.orders.lifecycle import Status
from doorstep.orders.models import WorkOrder

log = logging.getLogger(__name__)


def plan_run_start(*, actor: Actor, outlet: Outlet, day: date, seconds: int | None = None) -> PlanRun:
    """Queue an "optimise the day" run for the background worker."""
    from doorstep.dispatch.daymodel import outlet_brand

    if actor.staff is None or not board_outlets(actor).filter(pk=outlet.pk).exists():
        raise Forbidden(ErrorCode.NOT_YOUR_OUTLET)
    budget = seconds or policy_for(brand=outlet_brand(outlet), centre=outlet.centre_id).plan_seconds
    with transaction.atomic():
        run = PlanRun.objects.create(
            outlet=outlet,
            day=day,
            requested_by=actor.staff,
            seconds=budget,
            created_at=clock.now(),
            stage=_("排队等待后台计算"),
        )
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    try:
        optimise_day.enqueue(run_id)
    except Exception:  # the row stays queued; the board offers to run it again
        log.exception("could not enqueue plan run %s", run_id)


@task()
def optimise_day(run_id: int) -> str:
    return plan_run_execute(run_id=run_id)


def plan_runs_expire() -> int:
    """A run still RUNNING past its time budget plus the lease lost its worker: failed, so the board can
    offer to run it again instead of showing "计算中" forever."""
    now = clock.now()
    lease = timedelta(seconds=settings.DOORSTEP_PLAN_LEASE_SECONDS)
    expired = 0
    for run in PlanRun.objects.filter(state=PlanRun.State.RUNNING, created_at__lt=now - lease):
        if run.created_at + timedelta(seconds=run.seconds) + lease < now:
            expired += PlanRun.objects.filter(pk=run.pk, state=PlanRun.State.RUNNING).update(
                state=PlanRun.State.FAILED,
                stage=_("失败"),
                error=_("后台计算中断（工作进程已停止），请重新运行。"),
                finished_at=now,
            )
    return expired


def _progress(run: PlanRun, pct: int, stage: str) -> None:
    PlanRun.objects.filter(pk=run.pk).update(progress=pct, stage=stage)


def plan_run_execute(*, run_id: int) -> str:
    """Claim a queued run (compare-and-set), build the day, solve, store figures and plan."""
    claimed = PlanRun.objects.filter(pk=run_id, state=PlanRun.State.QUEUED).update(
        state=PlanRun.State.RUNNING, progress=1, stage=_("读取当天工单")
    )
    if not claimed:
        return "not-queued"
    run = PlanRun.objects.select_related("outlet").get(pk=run_id)
    try:
        model = build_day(run.outlet, run.day)
        _progress(run, 10, _("计算当前方案"))
        before = evaluate_current(model)
        plan = _solve_with_progress(run, model)
        after = evaluate_plan(model, plan)
        PlanRun.objects.filter(pk=run.pk).update(
            state=PlanRun.State.DONE,
            progress=100,
            stage=_("完成"),
            before=before,
            after=after,
            plan=plan_as_json(model, plan),
            finished_at=clock.now(),
        )
    except Exception as exc:
        log.exception("plan run %s failed", run_id)
        PlanRun.objects.filter(pk=run.pk).update(
            state=PlanRun.State.FAILED, stage=_("失败"), error=str(exc)[:300], finished_at=clock.now()
        )
        return "failed"
    return "done"


def _solve_with_progress(run: PlanRun, model: DayModel) -> Plan:
    if not model.problem.visits or not model.problem.technicians:
        reasons = [
            Unassigned(v.id, "pinned technician is not working" if v.pinned_to else "no technician working")
            for v in model.problem.visits
        ]
        return Plan([], reasons, solver="empty")
    result: dict[str, Any] = {}
    options = SolveOptions(seconds=float(run.seconds), warm_start=True)

    def work() -> None:
        try:
            result["plan"] = solve(model.problem, options)
        except Exception as exc:  # handed back to the task thread
            result["error"] = exc

    worker = threading.Thread(target=work, name=f"plan-run-{run.pk}", daemon=True)
    t0 = _time.monotonic()
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
        share = min(1.0, (_time.monotonic() - t0) / max(1.0, run.seconds))
        _progress(run, 10 + int(85 * share), _("优化路线中"))
    if "error" in result:
        raise result["error"]
    return result["plan"]


_REASONS = (
    ("pinned technician", gettext_lazy("已约定的工程师当天不上班，需改约或换人（R-AN-4）")),
    (
        "no technician with the required skills",
        gettext_lazy("没有具备所需技能/资质的工程师（R-DI-2、R-PR-2）"),
    ),
)


def reason_text(reason: str) -> str:
    for prefix, text in _REASONS:
        if reason.startswith(prefix):
            return str(text)
    return _("无法按约安排：时间冲突，需提前联系客户改约或换人（R-AN-4）")


def plan_as_json(model: DayModel, plan: Plan) -> dict[str, Any]:
    """The plan with local times and R-DI-7 departures, ready to show and to apply."""
    departures = plan_departures(model.problem, plan)
    routes = []
    for route in plan.routes:
        stops = []
        for stop in route.stops:
            order = model.orders[stop.visit_id]
            dep = departures[stop.visit_id]
            stops.append(
                {
                    "order": order.pk,
                    "number": order.number,
                    "district": order.address.district,
                    "depart": model.at(dep.planned_departure).isoformat(),
                    "arrive": model.at(stop.arrival).isoformat(),
                    "start": model.at(stop.start).isoformat(),
                    "end": model.at(stop.end).isoformat(),
                    "proposed": stop.visit_id not in model.promised,
                    "early_enough": dep.arrives_early_enough,
                }
            )
        tech = model.techs[route.technician_id]
        lunch = (
            [model.at(route.lunch.start).isoformat(), model.at(route.lunch.end).isoformat()]
            if route.lunch
            else []
        )
        routes.append(
            {
                "technician": tech.pk,
                "name": tech.staff.name,
                "km": round(route.distance / 1000, 1),
                "stops": stops,
                "lunch": lunch,
            }
        )
    unassigned = [
        {
            "order": model.orders[u.visit_id].pk,
            "number": model.orders[u.visit_id].number,
            "reason": reason_text(u.reason),
        }
        for u in plan.unassigned
    ]
    return {
        "routes": routes,
        "unassigned": unassigned,
        "solver": plan.solver,
        "runtime_s": round(plan.runtime_s, 2),
    }


def plan_apply(*, run: PlanRun, actor: Actor) -> int:
    """Adopt a finished plan: (re)assign technicians and store each visit's departure time (R-DI-7).

    Every reassignment is an ``assign`` move on the order's record; if any order changed since the run,
    nothing is applied (the whole adoption is one transaction).
    """
    if not board_outlets(actor).filter(pk=run.outlet_id).exists():
        raise Forbidden(ErrorCode.NOT_YOUR_OUTLET)
    if run.state != PlanRun.State.DONE:
        raise DomainError(ErrorCode.PLAN_NOT_READY)
    changed = 0
    with transaction.atomic():
        for route in run.plan.get("routes", []):
            tech = Technician.objects.get(pk=route["technician"])
            for seq, stop in enumerate(route["stops"], start=1):
                changed += _apply_stop(run, actor, tech, seq, stop)
        PlanRun.objects.filter(pk=run.pk).update(state=PlanRun.State.APPLIED)
    return changed


def _apply_stop(run: PlanRun, actor: Actor, tech: Technician, seq: int, stop: dict[str, Any]) -> int:
    from doorstep.orders.services import order_transition

    order = WorkOrder.objects.get(pk=stop["order"])
    changed = 0
    if order.technician_id != tech.pk:
        reason = "" if order.status == Status.DISPATCHED else _("调度优化当天路线（R-AN-4）")
        try:
            order_transition(
                order=order, actor=actor, action="assign", reason=reason, params={"technician": tech.pk}
            )
        except DomainError as err:
            raise DomainError(
                ErrorCode.PLAN_STALE,
                number=order.number,
                why=err.text(),
            ) from err
        changed = 1
    PlannedVisit.objects.update_or_create(
        order=order,
        defaults={
            "technician": tech,
            "run": run,
            "sequence": seq,
            "proposed": stop["proposed"],
            **{f"{k}_at": datetime.fromisoformat(stop[k]) for k in ("depart", "arrive", "start")},
        },
    )
    return changed
