"""Translation of a :class:`Problem` into PyVRP 0.14 ``ProblemData`` (and back to sequences).

Field-service rules that PyVRP has no native notion of are encoded exactly, without one matrix per
skill set:

* **Skills** (R-DI-2, R-PR-2): one load dimension per skill. A visit needing the skill loads 1 unit;
  a technician holding it has a capacity larger than any route; one lacking it has capacity 0.
* **Pins and per-technician lunch**: ``k`` load dimensions carry a constant-weight binary code per
  technician (weight ``k // 2``). A technician has capacity in the dimensions of its code's 1-bits;
  a pinned visit (or a lunch) loads its technician's 1-bits. Codes of equal weight never contain one
  another, so only that technician can carry it. ``C(10, 5) = 252`` technicians need 10 dimensions.
* **Lunch break**: a required, mutually exclusive client group per technician: one candidate lunch
  "client" at each anchor place (home, and visits near the expected midday position), with the
  lunch window as time window and the break as service. Placed next to its anchor the cost is
  exact; placed elsewhere it over-estimates travel (triangle inequality), so the solver's timing is
  always achievable with the break taken on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb
from typing import Any

from pyvrp import _pyvrp as pv

from doorstep.dispatch.routing.insert import Routes
from doorstep.dispatch.routing.model import Problem

PRIZE_UNIT = 60_000  # prize per optional visit (metres of detour it is worth), × (1 + priority)


@dataclass(slots=True)
class Encoding:
    data: pv.ProblemData
    client_visit: list[int]  # PyVRP client -> problem visit index, or -1 for a lunch client
    client_lunch_tech: list[int]  # PyVRP client -> technician of that lunch, or -1
    type_techs: list[list[int]]  # vehicle type -> technicians (identical ones share a type)
    visit_client: dict[int, int]  # problem visit -> PyVRP client
    lunch_clients: dict[tuple[int, int], int]  # (technician, anchor point) -> PyVRP client


def code_words(count: int) -> list[tuple[int, ...]]:
    """``count`` distinct binary words of equal weight (an antichain), as short as possible."""
    if count == 0:
        return []
    k = 2
    while comb(k, k // 2) < count:
        k += 1
    words = []
    for ones in combinations(range(k), k // 2):
        words.append(tuple(1 if j in ones else 0 for j in range(k)))
        if len(words) == count:
            break
    return words


def _coded_techs(problem: Problem) -> list[int]:
    pinned = {v.pinned_to for v in problem.visits if v.pinned_to is not None}
    return [t for t, tech in enumerate(problem.technicians) if tech.lunch is not None or tech.id in pinned]


def _skill_dims(problem: Problem) -> list[str]:
    needed = sorted({s for v in problem.visits for s in v.required_skills})
    return [s for s in needed if not all(s in t.skills for t in problem.technicians)]


@dataclass(frozen=True, slots=True)
class _Dims:
    n_cap: int
    skills: list[str]
    codes: dict[int, tuple[int, ...]]  # technician -> code word
    n_code: int
    big: int

    def tech_capacity(self, problem: Problem, t: int) -> list[int]:
        tech = problem.technicians[t]
        cap = list(tech.capacity) + [0] * (self.n_cap - len(tech.capacity))
        cap += [self.big if s in tech.skills else 0 for s in self.skills]
        return cap + [self.big * b for b in self.codes.get(t, (0,) * self.n_code)]

    def visit_load(self, problem: Problem, i: int) -> list[int]:
        v = problem.visits[i]
        load = list(v.demand) + [0] * (self.n_cap - len(v.demand))
        load += [1 if s in v.required_skills else 0 for s in self.skills]
        pin = problem.technician_index.get(v.pinned_to) if v.pinned_to is not None else None
        return load + list(self.codes[pin] if pin is not None else (0,) * self.n_code)

    def lunch_load(self, t: int) -> list[int]:
        return [0] * (self.n_cap + len(self.skills)) + list(self.codes[t])


def _dims(problem: Problem, n_clients: int) -> _Dims:
    coded = _coded_techs(problem)
    words = code_words(len(coded))
    n_cap = max([len(t.capacity) for t in problem.technicians] + [len(v.demand) for v in problem.visits])
    return _Dims(
        n_cap,
        _skill_dims(problem),
        dict(zip(coded, words, strict=True)),
        len(words[0]) if words else 0,
        big=max(n_clients, 1),
    )


def _vehicle_types(
    problem: Problem, dims: _Dims, depot_of: dict[int, int]
) -> tuple[list[pv.VehicleType], list[list[int]]]:
    groups: dict[tuple[int, int, int, int, tuple[int, ...], int], list[int]] = {}
    for t, tech in enumerate(problem.technicians):
        key = (
            depot_of[problem.start_point(t)],
            depot_of[problem.end_point(t)],
            tech.shift_start,
            tech.shift_end,
            tuple(dims.tech_capacity(problem, t)),
            t if t in dims.codes else -1,
        )
        groups.setdefault(key, []).append(t)
    types = []
    for (start, end, early, late, cap, _), techs in groups.items():
        types.append(
            pv.VehicleType(
                len(techs),
                capacity=list(cap),
                start_depot=start,
                end_depot=end,
                tw_early=early,
                tw_late=late,
                name=problem.technicians[techs[0]].id,
            )
        )
    return types, list(groups.values())


def _depots(problem: Problem) -> tuple[list[pv.Depot], dict[int, int]]:
    pts = problem.points()
    by_place: dict[tuple[float, float], int] = {}
    depot_of: dict[int, int] = {}
    depots: list[pv.Depot] = []
    for t in range(len(problem.technicians)):
        for p in (problem.start_point(t), problem.end_point(t)):
            place = (pts[p].x, pts[p].y)
            if place not in by_place:
                by_place[place] = len(depots)
                depots.append(pv.Depot(location=p))
            depot_of[p] = by_place[place]
    return depots, depot_of


def encode(problem: Problem, visits: Sequence[int], anchors: dict[int, list[int]]) -> Encoding:
    """PyVRP data for ``visits`` (problem indices); ``anchors[t]`` = lunch anchor points of tech t."""
    n_lunch = sum(len(set(a)) for t, a in anchors.items() if problem.technicians[t].lunch is not None)
    dims = _dims(problem, len(visits) + n_lunch)
    depots, depot_of = _depots(problem)
    clients, client_visit, client_tech = [], [], []
    required = not problem.allow_unassigned
    prizes = {} if required else _prizes(problem, visits)
    for i in visits:
        v = problem.visits[i]
        clients.append(
            pv.Client(
                location=problem.visit_point(i),
                delivery=dims.visit_load(problem, i),
                service_duration=v.service,
                tw_early=v.window_start,
                tw_late=v.window_end,
                prize=0 if required else prizes[i],
                required=required,
            )
        )
        client_visit.append(i)
        client_tech.append(-1)
    groups, lunch_clients = _lunch_clients(problem, dims, anchors, clients, client_visit, client_tech)
    types, type_techs = _vehicle_types(problem, dims, depot_of)
    m = problem.matrix()
    locations = [pv.Location(p.x, p.y) for p in problem.points()]
    matrices: tuple[Any, Any] = (m.distances, m.durations)  # the stubs type matrices loosely
    data = pv.ProblemData(locations, clients, depots, types, [matrices[0]], [matrices[1]], groups)
    visit_client = {i: c for c, i in enumerate(client_visit) if i >= 0}
    return Encoding(data, client_visit, client_tech, type_techs, visit_client, lunch_clients)


def _prizes(problem: Problem, visits: Sequence[int]) -> dict[int, int]:
    """Prize per optional visit: ``PRIZE_UNIT`` × (1 + priority), plus the round trip from the home
    of the nearest technician who could serve it alone (skills, pin, shift: ``insert.Routes``).

    Why the trip: a visit whose only takers live far away (a late two-hour visit 40 km from every
    late-shift technician who holds its skill) costs more than ``PRIZE_UNIT`` to serve; the search
    served it in its first round and dropped it in the second (Shenzhen M), and served comes first.
    Each priority level also gets the largest trip of the day on top, so a more urgent visit is
    always worth more than a less urgent one.
    """
    state = Routes(problem, {})
    d = problem.matrix().distances
    trips: dict[int, int] = {}
    for i in visits:
        techs = state.techs_for(i)
        if techs:
            here = problem.visit_point(i)
            homes = [problem.start_point(t) for t in techs]
            ends = [problem.end_point(t) for t in techs]
            trips[i] = int((d[homes, here] + d[here, ends]).min())
        else:
            trips[i] = 0
    top = max(trips.values(), default=0)
    return {
        i: PRIZE_UNIT * (1 + problem.visits[i].priority) + trips[i] + problem.visits[i].priority * top
        for i in visits
    }


def _lunch_clients(
    problem: Problem,
    dims: _Dims,
    anchors: dict[int, list[int]],
    clients: list[pv.Client],
    client_visit: list[int],
    client_tech: list[int],
) -> tuple[list[pv.ClientGroup], dict[tuple[int, int], int]]:
    groups: list[pv.ClientGroup] = []
    lunch_clients: dict[tuple[int, int], int] = {}
    for t, points in sorted(anchors.items()):
        lunch = problem.technicians[t].lunch
        if lunch is None:
            continue
        members = []
        for p in dict.fromkeys(points):
            lunch_clients[(t, p)] = len(clients)
            members.append(len(clients))
            clients.append(
                pv.Client(
                    location=p,
                    delivery=dims.lunch_load(t),
                    service_duration=lunch.duration,
                    tw_early=lunch.earliest_start,
                    tw_late=lunch.latest_start,
                    required=False,
                    group=len(groups),
                    name=f"lunch-{t}",
                )
            )
            client_visit.append(-1)
            client_tech.append(t)
        groups.append(pv.ClientGroup(members, required=True))
    return groups, lunch_clients


def decode(enc: Encoding, solution: pv.Solution) -> list[tuple[int, list[int], int | None, int | None]]:
    """Per used route: technician, visit order, lunch gap and lunch anchor point (if any)."""
    pools = [list(techs) for techs in enc.type_techs]
    out = []
    for route in solution.routes():
        t = pools[route.vehicle_type()].pop(0)
        seq: list[int] = []
        gap = anchor = None
        for act in route:
            if not act.is_client():
                continue
            i = enc.client_visit[act.idx]
            if i >= 0:
                seq.append(i)
            else:
                gap, anchor = len(seq), enc.data.client(act.idx).location
        out.append((t, seq, gap, anchor))
    return out


def as_solution(
    enc: Encoding, routes: Sequence[tuple[int, list[int], int | None, int | None]]
) -> pv.Solution:
    """A PyVRP solution (warm start) from per-technician sequences with lunch gap and anchor."""
    type_of = {t: k for k, techs in enumerate(enc.type_techs) for t in techs}
    pv_routes = []
    for t, seq, gap, anchor in routes:
        visits = [enc.visit_client[i] for i in seq if i in enc.visit_client]
        lunch = enc.lunch_clients.get((t, anchor)) if anchor is not None else None
        if lunch is not None and gap is not None:
            visits.insert(min(gap, len(visits)), lunch)
        if visits:
            pv_routes.append(pv.Route(enc.data, visits, type_of[t]))
    return pv.Solution(enc.data, pv_routes)
