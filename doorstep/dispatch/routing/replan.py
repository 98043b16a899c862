"""Live re-plan during the day: only the affected technicians, in well under a second.

Events: an urgent order arrives, a customer cancels, a visit overruns, a technician goes home sick.
What is fixed: every stop already started at ``now`` (under way or done) stays as it is, with the
technician's lunch if already taken; every appointment window stays a hard constraint (R-AR-5);
a visit whose time has been confirmed to the customer keeps that time — its window narrows to the
confirmed start — unless no affected technician can keep it. Such a visit is then planned inside
its booked window instead (or left over) and listed for a call (R-DI-8): never moved silently.

How: the affected technicians (the event's technician, and for visits that must find a new route
the nearest eligible technicians) get a small problem of their own — each starts where and when
its fixed part ends — and the visits to place are inserted exactly (:mod:`insert`). The rest of the
day's plan is not touched.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Literal

from doorstep.dispatch.routing.check import Violation, check_plan
from doorstep.dispatch.routing.insert import insert_leftovers
from doorstep.dispatch.routing.model import (
    LunchSlot,
    Plan,
    Problem,
    Route,
    Stop,
    Technician,
    Unassigned,
    Visit,
)
from doorstep.dispatch.routing.repair import feasible_route
from doorstep.dispatch.routing.schedule import _leg

EventKind = Literal["urgent", "cancel", "overrun", "sick"]
NEIGHBOURS = 8  # technicians offered each visit that must find a new route


@dataclass(frozen=True, slots=True)
class Event:
    """``urgent``: ``visit`` is new; ``cancel`` / ``overrun``: ``visit_id`` (overrun by ``seconds``);
    ``sick``: ``technician_id`` goes home at ``now``."""

    kind: EventKind
    visit: Visit | None = None
    visit_id: str | None = None
    technician_id: str | None = None
    seconds: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """A visit whose technician or start changed; ``new_start`` None = no longer served today."""

    visit_id: str
    old_technician: str | None
    new_technician: str | None
    old_start: int | None
    new_start: int | None
    reason: str


@dataclass(slots=True)
class Replan:
    problem: Problem  # the day after the event (new visit, longer service, sick technician's shift)
    plan: Plan
    technicians: list[str]  # the re-planned technicians; every other route is unchanged
    moved: list[Change] = field(default_factory=list)
    to_call: list[Change] = field(default_factory=list)  # R-DI-8: confirmed time would change
    forced: list[str] = field(default_factory=list)  # technicians the event itself puts past a rule
    runtime_s: float = 0.0


def _route_map(plan: Plan) -> dict[str, Route]:
    return {r.technician_id: r for r in plan.routes}


def _event_problem(problem: Problem, event: Event, now: int) -> Problem:
    visits = list(problem.visits)
    techs = list(problem.technicians)
    if event.kind == "urgent" and event.visit is not None:
        visits.append(event.visit)
    elif event.kind == "cancel":
        visits = [v for v in visits if v.id != event.visit_id]
    elif event.kind == "overrun":
        visits = [
            replace(v, service=v.service + event.seconds) if v.id == event.visit_id else v for v in visits
        ]
    elif event.kind == "sick":  # goes home after the visit under way; no lunch owed any more
        techs = [replace(t, lunch=None) if t.id == event.technician_id else t for t in techs]
    out = Problem(techs, visits, problem.travel, problem.early_margin, problem.allow_unassigned, problem.name)
    if problem._matrix is not None and event.kind in ("overrun", "sick"):
        out._matrix = problem._matrix  # same places in the same order
    return out


def _nearest(problem: Problem, i: int, k: int, routes: dict[str, Route]) -> list[int]:
    """Technicians eligible for visit ``i``, nearest (home or any planned stop) first."""
    v = problem.visits[i].location
    scale = math.cos(math.radians(v.y)) if abs(v.y) <= 90 else 1.0

    def d2(x: float, y: float) -> float:
        return ((x - v.x) * scale) ** 2 + (y - v.y) ** 2

    scored = []
    for t, tech in enumerate(problem.technicians):
        if not problem.can_serve(t, i):
            continue
        places = [tech.start] + [
            problem.visits[problem.visit_index[s.visit_id]].location
            for s in (routes[tech.id].stops if tech.id in routes else [])
            if s.visit_id in problem.visit_index
        ]
        scored.append((min(d2(p.x, p.y) for p in places), t))
    scored.sort()
    return [t for _, t in scored[:k]]


@dataclass(slots=True)
class _Tail:
    """An affected technician: fixed stops, and the rest of the day as a small problem's technician."""

    tech: Technician
    fixed: list[Stop]
    lunch_fixed: LunchSlot | None
    sub_tech: Technician
    todo: list[str]


def _tail(problem: Problem, t: int, route: Route | None, now: int, overrun: dict[str, int]) -> _Tail:
    """Fixed: the stops the technician has set off for by ``now`` (R-DI-7 departures), and the lunch
    if it has started or lies before one of them. The rest of the day starts at the last fixed stop
    when its service ends (overrun included), or at home, and never before ``now``."""
    tech = problem.technicians[t]
    stops = route.stops if route is not None else []
    k = next((k for k, s in enumerate(stops) if s.departure > now), len(stops))
    fixed, rest = list(stops[:k]), stops[k:]
    start_at, free = tech.start, max(tech.shift_start, now)
    if fixed:
        last = fixed[-1]
        fixed[-1] = replace(last, end=last.end + overrun.get(last.visit_id, 0))
        start_at = problem.visits[problem.visit_index[last.visit_id]].location
        free = max(fixed[-1].end, now)
    lunch = route.lunch if route is not None else None
    lunch_fixed = lunch if lunch is not None and (lunch.before_stop < k or lunch.start <= now) else None
    if lunch_fixed is not None:
        free = max(free, lunch_fixed.end)
    sub_tech = replace(
        tech,
        start=start_at,
        end=tech.end_location,
        shift_start=free,
        shift_end=max(free, tech.shift_end),
        lunch=None if lunch_fixed is not None else tech.lunch,
    )
    return _Tail(tech, fixed, lunch_fixed, sub_tech, [s.visit_id for s in rest])


def replan(
    problem: Problem,
    plan: Plan,
    event: Event,
    now: int,
    confirmed: dict[str, int] | None = None,
    seconds: float = 0.8,
) -> Replan:
    """The plan after ``event`` at ``now`` (seconds of the day); see the module docstring."""
    t0 = time.perf_counter()
    confirmed = dict(confirmed or {})
    day = _event_problem(problem, event, now)
    routes = _route_map(plan)
    owner = {s.visit_id: r.technician_id for r in plan.routes for s in r.stops}
    old_start = {s.visit_id: s.start for r in plan.routes for s in r.stops}
    overrun = {event.visit_id: event.seconds} if event.kind == "overrun" and event.visit_id else {}

    affected: list[int] = []
    loose: list[str] = []  # visits that must find a route
    if event.kind == "urgent" and event.visit is not None:
        loose.append(event.visit.id)
    elif event.kind in ("cancel", "overrun") and event.visit_id in owner:
        affected.append(day.technician_index[owner[event.visit_id]])
    elif event.kind == "sick" and event.technician_id in day.technician_index:
        affected.append(day.technician_index[event.technician_id])

    tails = {t: _tail(day, t, routes.get(day.technicians[t].id), now, overrun) for t in affected}
    if event.kind == "sick":
        for tail in tails.values():  # home after the fixed part: nothing more fits
            loose += tail.todo
            tail.todo = []
            tail.sub_tech = replace(tail.sub_tech, shift_end=tail.sub_tech.shift_start)
    # Re-time the affected routes from their fixed part; what no longer fits must find a route.
    sub_visits: list[str] = []
    for tail in tails.values():
        sub_visits += tail.todo
    deadline = t0 + seconds
    offered = list(loose)
    while True:
        for vid in offered:
            for t in _nearest(day, day.visit_index[vid], NEIGHBOURS, routes):
                if t not in tails:
                    tails[t] = _tail(day, t, routes.get(day.technicians[t].id), now, overrun)
                    sub_visits += tails[t].todo
        order = list(tails)
        remaining = max(0.05, deadline - time.perf_counter())
        new_routes, left = _solve_tails(
            day, [tails[t] for t in order], sub_visits + loose, confirmed, now, remaining
        )
        # Visits the affected routes could not keep are offered to their neighbours, once.
        offered = [u.visit_id for u in left if u.visit_id not in offered and u.visit_id not in loose]
        if not offered or time.perf_counter() > deadline:
            break
        loose += offered
    merged = [r for r in plan.routes if day.technician_index.get(r.technician_id) not in tails]
    merged += [r for r in new_routes if r.stops]
    unassigned = [u for u in plan.unassigned if u.visit_id in day.visit_index] + left
    new_plan = Plan(merged, unassigned, "replan", 0.0, list(plan.notes))
    out = Replan(day, new_plan, [day.technicians[t].id for t in order])
    out.forced = [
        tails[t].tech.id
        for t in order
        if tails[t].fixed
        and tails[t].lunch_fixed is None
        and (owed := day.technicians[t].lunch) is not None
        and tails[t].fixed[-1].end > owed.latest_start
    ]  # the stop under way ends after the latest lunch start: no plan can still fit the lunch
    _changes(out, owner, old_start, confirmed)
    out.runtime_s = time.perf_counter() - t0
    return out


def _sub_problem(day: Problem, tails: list[_Tail], visits: list[Visit]) -> Problem:
    return Problem([tl.sub_tech for tl in tails], visits, day.travel, day.early_margin, True, day.name)


def _narrowed(day: Problem, vids: list[str], confirmed: dict[str, int], relax: set[str]) -> list[Visit]:
    out = []
    for vid in vids:
        v = day.visits[day.visit_index[vid]]
        c = confirmed.get(vid)
        if c is not None and vid not in relax and v.window_start <= c <= v.window_end:
            v = replace(v, window_start=c, window_end=c)
        out.append(v)
    return out


def _solve_tails(
    day: Problem, tails: list[_Tail], vids: list[str], confirmed: dict[str, int], now: int, seconds: float
) -> tuple[list[Route], list[Unassigned]]:
    vids = [v for v in dict.fromkeys(vids) if v in day.visit_index]
    relax: set[str] = set()
    deadline = time.perf_counter() + seconds
    for _ in range(2):
        sub = _sub_problem(day, tails, _narrowed(day, vids, confirmed, relax))
        plan = _start_plan(sub, tails)
        plan = insert_leftovers(sub, plan, max(0.05, deadline - time.perf_counter()))
        left = [u.visit_id for u in plan.unassigned]
        newly = {v for v in left if v in confirmed and v not in relax}
        if not newly:
            break
        relax |= newly  # R-DI-8: these customers are called; plan them inside their booked window
    routes = [_join(day, tails[sub.technician_index[r.technician_id]], r) for r in plan.routes]
    done = {r.technician_id for r in routes}
    routes += [_join(day, tl, None) for tl in tails if tl.tech.id not in done and tl.fixed]
    left_out = [
        Unassigned(u.visit_id, "re-plan: no affected technician can take it") for u in plan.unassigned
    ]
    return routes, left_out


def _start_plan(sub: Problem, tails: list[_Tail]) -> Plan:
    """The affected technicians' remaining sequences as they were, made feasible; the rest left over."""
    routes, left = [], []
    placed: set[str] = set()
    for t, tail in enumerate(tails):
        seq = [sub.visit_index[v] for v in tail.todo if v in sub.visit_index]
        route, removed = feasible_route(sub, t, seq, None)
        if route is not None:
            routes.append(route)
            placed |= set(route.visit_ids)
        left += [sub.visits[i].id for i in removed]
    left += [v.id for v in sub.visits if v.id not in placed and v.id not in left]
    return Plan(routes, [Unassigned(v, "to place") for v in left])


def _join(day: Problem, tail: _Tail, rest: Route | None) -> Route:
    """Fixed stops + the re-planned rest, as one route of the full day."""
    tech = tail.tech
    stops = list(tail.fixed) + (list(rest.stops) if rest else [])
    lunch = tail.lunch_fixed
    if lunch is None and rest is not None and rest.lunch is not None:
        lunch = replace(rest.lunch, before_stop=rest.lunch.before_stop + len(tail.fixed))
    depart = tail.fixed[0].departure if tail.fixed else (rest.depart_home if rest else tech.shift_start)
    if rest is not None:
        back = rest.return_home
    else:
        here = day.visits[day.visit_index[tail.fixed[-1].visit_id]].location
        travel = int(day.travel.matrix([here, tech.end_location]).durations[0, 1])
        free = tail.fixed[-1].end
        back = free + travel
        owed = day.technicians[day.technician_index[tech.id]].lunch
        if lunch is None and owed is not None:  # the lunch still owed: on the way home
            leg = _leg(free, travel, owed, split=True)
            if leg is not None and leg.lunch_start is not None:
                lunch = LunchSlot(len(stops), leg.lunch_start, leg.lunch_start + owed.duration)
                back = leg.ready
    dist, travel = _measure(day, tech, stops)
    return Route(tech.id, stops, depart, back, lunch, dist, travel)


def _measure(day: Problem, tech: Technician, stops: list[Stop]) -> tuple[int, int]:
    places = [
        tech.start,
        *(day.visits[day.visit_index[s.visit_id]].location for s in stops),
        tech.end_location,
    ]
    m = day.travel.matrix(places)
    n = len(places)
    return (
        sum(int(m.distances[k, k + 1]) for k in range(n - 1)),
        sum(int(m.durations[k, k + 1]) for k in range(n - 1)),
    )


def _changes(
    out: Replan, owner: dict[str, str], old_start: dict[str, int], confirmed: dict[str, int]
) -> None:
    new_owner = {s.visit_id: r.technician_id for r in out.plan.routes for s in r.stops}
    new_start = {s.visit_id: s.start for r in out.plan.routes for s in r.stops}
    for vid in set(owner) | set(new_owner):
        if vid not in out.problem.visit_index:
            continue
        a, b = owner.get(vid), new_owner.get(vid)
        sa, sb = old_start.get(vid), new_start.get(vid)
        if a == b and sa == sb:
            continue
        reason = "new technician" if a != b else "new start"
        change = Change(vid, a, b, sa, sb, reason)
        out.moved.append(change)
        c = confirmed.get(vid)
        if c is not None and (sb is None or sb != c):
            out.to_call.append(replace(change, reason="confirmed time changes: call the customer (R-DI-8)"))
    out.moved.sort(key=lambda c: c.visit_id)
    out.to_call.sort(key=lambda c: c.visit_id)


def check_replan(result: Replan) -> list[Violation]:
    """The independent check of the re-planned routes (each with its own small matrix)."""
    from doorstep.dispatch.routing.decompose import check_by_parts

    names = set(result.technicians)
    touched = Plan([r for r in result.plan.routes if r.technician_id in names], [])
    return [v for v in check_by_parts(result.problem, touched) if v.kind not in ("missing",)]


__all__ = ["Change", "Event", "Replan", "check_plan", "check_replan", "replan"]
