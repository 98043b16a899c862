"""Exact timing of one technician's ordered visits: waits, lunch break, R-DI-7 departures.

A sequence is timed forwards at the earliest times. The lunch break goes into one gap between two
consecutive places (home, visits, home); travel may be split around it (the technician can stop to
eat on the way), so a gap with lunch needs ``travel + duration`` time and the break must start
within its window. Departures are then moved as late as the service standard allows: leave at
``window start − travel − early margin`` (R-DI-7) but never before the previous service ends.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.dispatch.routing.model import LunchBreak, LunchSlot, Problem, Route, Stop


@dataclass(frozen=True, slots=True)
class _Leg:
    ready: int  # earliest time the technician can be at the next place, lunch included
    lunch_start: int | None


def _leg(free_at: int, travel: int, lunch: LunchBreak | None, split: bool = False) -> _Leg | None:
    """Earliest arrival after leaving at ``free_at``; with a lunch break in this gap if given.

    The break is taken on arrival (or while waiting) if it can start in time there, else before
    leaving; with ``split`` it may also be taken on the way, at its latest start.
    """
    if lunch is None:
        return _Leg(ready=free_at + travel, lunch_start=None)
    on_arrival = max(lunch.earliest_start, free_at + travel)
    if on_arrival <= lunch.latest_start:
        return _Leg(ready=on_arrival + lunch.duration, lunch_start=on_arrival)
    if split and free_at <= lunch.latest_start:
        return _Leg(ready=free_at + travel + lunch.duration, lunch_start=lunch.latest_start)
    before = max(lunch.earliest_start, free_at)
    if before > lunch.latest_start:
        return None
    return _Leg(ready=before + lunch.duration + travel, lunch_start=before)


def forward_times(
    problem: Problem, t: int, seq: Sequence[int], lunch_gap: int | None, split: bool = False
) -> tuple[list[int], int, int | None] | None:
    """Service starts, return-home time and lunch start, or None if the timing is infeasible."""
    tech = problem.technicians[t]
    dur = problem.matrix().durations
    free_at, here = tech.shift_start, problem.start_point(t)
    starts: list[int] = []
    lunch_start: int | None = None
    for gap, i in enumerate([*seq, -1]):
        nxt = problem.end_point(t) if i < 0 else problem.visit_point(i)
        leg = _leg(free_at, int(dur[here, nxt]), tech.lunch if gap == lunch_gap else None, split)
        if leg is None:
            return None
        lunch_start = leg.lunch_start if leg.lunch_start is not None else lunch_start
        if i < 0:
            return (starts, leg.ready, lunch_start) if leg.ready <= tech.shift_end else None
        visit = problem.visits[i]
        start = max(leg.ready, visit.window_start)
        if start > visit.window_end:
            return None
        starts.append(start)
        free_at, here = start + visit.service, nxt
    return None  # pragma: no cover - the loop always returns at the sentinel


def feasible(problem: Problem, t: int, seq: Sequence[int]) -> bool:
    """Whether :func:`best_timing` finds a timing, cheaper: one lunch-free pass gives the times
    before every gap (the lunch is not taken yet there), so a gap is only tried from its own place
    on, and not at all once the technician is free only after the lunch's latest start."""
    tech = problem.technicians[t]
    lunch = tech.lunch
    if lunch is None or not seq:
        return forward_times(problem, t, seq, None) is not None
    dur = problem.matrix().durations
    visits = problem.visits
    places = [problem.start_point(t), *(problem.visit_point(i) for i in seq), problem.end_point(t)]
    frees = [tech.shift_start]  # free_at before each gap, lunch-free
    for k, i in enumerate(seq):
        v = visits[i]
        start = max(frees[-1] + int(dur[places[k], places[k + 1]]), v.window_start)
        if start > v.window_end:
            return False  # a lunch anywhere only delays this visit further
        frees.append(start + v.service)
    n = len(seq)
    if frees[-1] + int(dur[places[n], places[n + 1]]) > tech.shift_end:
        return False
    for split in (False, True):
        for gap in range(n + 1):
            free_at = frees[gap]
            if free_at > lunch.latest_start:
                break
            if _tail_fits(problem, t, seq, places, gap, free_at, split):
                return True
    return False


def _tail_fits(
    problem: Problem, t: int, seq: Sequence[int], places: list[int], gap: int, free_at: int, split: bool
) -> bool:
    """The route from gap ``gap`` on, with the lunch in that gap, leaving at ``free_at``."""
    tech = problem.technicians[t]
    dur = problem.matrix().durations
    for k in range(gap, len(seq) + 1):
        leg = _leg(free_at, int(dur[places[k], places[k + 1]]), tech.lunch if k == gap else None, split)
        if leg is None:
            return False
        if k == len(seq):
            return leg.ready <= tech.shift_end
        visit = problem.visits[seq[k]]
        start = max(leg.ready, visit.window_start)
        if start > visit.window_end:
            return False
        free_at = start + visit.service
    return False  # pragma: no cover - the loop always returns at the end


def best_timing(
    problem: Problem, t: int, seq: Sequence[int], prefer_gap: int | None = None
) -> tuple[list[int], int, int | None, int | None] | None:
    """Feasible timing with the lunch in the preferred gap, else the gap that returns home earliest."""
    lunch = problem.technicians[t].lunch
    if lunch is None or not seq:
        timed = forward_times(problem, t, seq, None)
        return None if timed is None else (*timed, None)
    if prefer_gap is not None and 0 <= prefer_gap <= len(seq):
        timed = forward_times(problem, t, seq, prefer_gap)
        if timed is not None:
            return (*timed, prefer_gap)
    for split in (False, True):
        best: tuple[list[int], int, int | None, int | None] | None = None
        for gap in range(len(seq) + 1):
            timed = forward_times(problem, t, seq, gap, split)
            if timed is not None and (best is None or timed[1] < best[1]):
                best = (*timed, gap)
        if best is not None:
            return best
    return None


def build_route(problem: Problem, t: int, seq: Sequence[int], prefer_gap: int | None = None) -> Route | None:
    """A fully timed :class:`Route` for technician ``t`` visiting ``seq`` in order, or None."""
    timing = best_timing(problem, t, seq, prefer_gap)
    if timing is None:
        return None
    starts, back, lunch_start, gap = timing
    tech = problem.technicians[t]
    lunch = None
    if tech.lunch is not None and lunch_start is not None and gap is not None:
        lunch = LunchSlot(before_stop=gap, start=lunch_start, end=lunch_start + tech.lunch.duration)
    stops = _stops(problem, t, seq, starts, lunch)
    dist, travel = _totals(problem, t, seq)
    depart = stops[0].departure if stops else tech.shift_start
    return Route(tech.id, stops, depart, back, lunch, distance=dist, travel_time=travel)


def _stops(
    problem: Problem, t: int, seq: Sequence[int], starts: list[int], lunch: LunchSlot | None
) -> list[Stop]:
    dur = problem.matrix().durations
    tech = problem.technicians[t]
    here, free_at = problem.start_point(t), tech.shift_start
    stops: list[Stop] = []
    for k, (i, start) in enumerate(zip(seq, starts, strict=True)):
        visit, travel = problem.visits[i], int(dur[here, problem.visit_point(i)])
        wanted = visit.window_start - travel - problem.early_margin  # R-DI-7
        if lunch is not None and lunch.before_stop == k:
            departure, arrival = _lunch_leg_times(lunch, free_at, travel, wanted, start)
        else:
            departure = max(free_at, min(wanted, start - travel))
            arrival = departure + travel
        stops.append(Stop(visit.id, departure, arrival, start, start + visit.service))
        here, free_at = problem.visit_point(i), start + visit.service
    return stops


def _lunch_leg_times(lunch: LunchSlot, free_at: int, travel: int, wanted: int, start: int) -> tuple[int, int]:
    """Departure and arrival around a lunch break: on arrival, before leaving, or on the way."""
    if lunch.start >= free_at + travel:  # eat on arrival / while waiting
        departure = min(max(free_at, wanted), lunch.start - travel)
        return departure, departure + travel
    if lunch.start >= free_at and lunch.end + travel <= start:  # eat before leaving
        departure = max(lunch.end, min(wanted, start - travel))
        return departure, departure + travel
    return free_at, free_at + travel + (lunch.end - lunch.start)  # eat on the way


def _totals(problem: Problem, t: int, seq: Sequence[int]) -> tuple[int, int]:
    m = problem.matrix()
    path = [problem.start_point(t), *(problem.visit_point(i) for i in seq), problem.end_point(t)]
    dist = sum(int(m.distances[a, b]) for a, b in itertools.pairwise(path))
    travel = sum(int(m.durations[a, b]) for a, b in itertools.pairwise(path))
    return dist, travel
