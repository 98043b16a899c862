"""Problem and plan model of the routing core (pure Python, no Django).

Times are integer seconds of the day, distances integer metres (or scaled benchmark units).
Rules cited: R-DI-2 / R-PR-2 (skills and valid qualifications), R-DI-7 (arrive 5 minutes before the
appointment), R-AR-5 (lateness: a service may never start after its window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.travel import TravelMatrix, TravelTimeProvider


@dataclass(frozen=True, slots=True)
class LunchBreak:
    """A break of ``duration`` seconds that must start within [earliest_start, latest_start].

    The break is taken wherever the technician is (at a customer's place after the service, on the
    way, or while waiting before the next appointment); it never overlaps a service.
    """

    duration: int
    earliest_start: int
    latest_start: int


@dataclass(frozen=True, slots=True)
class Technician:
    """A technician (a vehicle): starts at ``start``, ends at ``end`` (home by default).

    The technician leaves ``start`` no earlier than ``shift_start`` and is back at ``end`` by
    ``shift_end``. ``capacity`` is an optional load dimension (benchmarks); ``skills`` are the
    valid qualifications (R-DI-2, R-PR-2).
    """

    id: str
    start: Location
    shift_start: int
    shift_end: int
    end: Location | None = None
    skills: frozenset[str] = frozenset()
    lunch: LunchBreak | None = None
    capacity: tuple[int, ...] = ()

    @property
    def end_location(self) -> Location:
        return self.start if self.end is None else self.end


@dataclass(frozen=True, slots=True)
class Visit:
    """An appointment: service must start within [window_start, window_end] (R-AR-5: never later).

    ``required_skills`` must all be held by the technician (R-DI-2, R-PR-2). ``pinned_to`` is the id of
    the technician already confirmed to the customer. ``priority`` >= 0; higher is served first when
    not everything fits.
    """

    id: str
    location: Location
    window_start: int
    window_end: int
    service: int
    required_skills: frozenset[str] = frozenset()
    priority: int = 0
    pinned_to: str | None = None
    demand: tuple[int, ...] = ()


@dataclass
class Problem:
    """A day to plan. Point index order: visits, then technician starts, then technician ends."""

    technicians: Sequence[Technician]
    visits: Sequence[Visit]
    travel: TravelTimeProvider
    early_margin: int = 0  # R-DI-7 seconds before the appointment: the caller passes the policy's number
    allow_unassigned: bool = True
    name: str = ""
    _matrix: TravelMatrix | None = field(default=None, init=False, repr=False)

    @property
    def n_visits(self) -> int:
        return len(self.visits)

    def visit_point(self, i: int) -> int:
        return i

    def start_point(self, t: int) -> int:
        return len(self.visits) + t

    def end_point(self, t: int) -> int:
        return len(self.visits) + len(self.technicians) + t

    def points(self) -> list[Location]:
        starts = [t.start for t in self.technicians]
        ends = [t.end_location for t in self.technicians]
        return [v.location for v in self.visits] + starts + ends

    def matrix(self) -> TravelMatrix:
        """Durations (s) and distances (m) between all points, computed once."""
        if self._matrix is None:
            self._matrix = self.travel.matrix(self.points())
        return self._matrix

    @cached_property
    def visit_index(self) -> dict[str, int]:
        return {v.id: i for i, v in enumerate(self.visits)}

    @cached_property
    def technician_index(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.technicians)}

    def can_serve(self, t: int, i: int) -> bool:
        """Skills (R-DI-2, R-PR-2) and pin allow technician ``t`` to serve visit ``i``."""
        tech, visit = self.technicians[t], self.visits[i]
        if visit.pinned_to is not None and visit.pinned_to != tech.id:
            return False
        return visit.required_skills <= tech.skills


@dataclass(frozen=True, slots=True)
class Stop:
    """A served visit. ``departure`` is when the technician leaves the previous place (R-DI-7)."""

    visit_id: str
    departure: int
    arrival: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LunchSlot:
    """The lunch break taken in the gap before stop ``before_stop`` (== len(stops): before going home)."""

    before_stop: int
    start: int
    end: int


@dataclass(slots=True)
class Route:
    technician_id: str
    stops: list[Stop]
    depart_home: int
    return_home: int
    lunch: LunchSlot | None = None
    distance: int = 0
    travel_time: int = 0

    @property
    def visit_ids(self) -> list[str]:
        return [s.visit_id for s in self.stops]


@dataclass(frozen=True, slots=True)
class Unassigned:
    visit_id: str
    reason: str


@dataclass(slots=True)
class Plan:
    routes: list[Route]
    unassigned: list[Unassigned]
    solver: str = ""
    runtime_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def distance(self) -> int:
        return sum(r.distance for r in self.routes)

    @property
    def n_served(self) -> int:
        return sum(len(r.stops) for r in self.routes)

    def route_of(self, technician_id: str) -> Route | None:
        return next((r for r in self.routes if r.technician_id == technician_id), None)
