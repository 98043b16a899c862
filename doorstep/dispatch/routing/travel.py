"""Travel-time providers: integer matrices of durations (seconds) and distances (metres).

* :class:`HaversineTravel` — great-circle distance × road factor (1.35) at a city speed (25 km/h);
  the default until a road network is available.
* :class:`EuclideanTravel` — plane distance for benchmarks (Solomon, Gehring–Homberger), with the
  rounding conventions those benchmarks need.
* :class:`OsrmTravel` — a client for an OSRM ``/table`` service (a real road matrix).
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from doorstep.dispatch.routing.geo import Location

EARTH_RADIUS_M = 6_371_008.8
IntMatrix = npt.NDArray[np.int64]
Rounding = Literal["ceil", "round", "trunc"]


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """``durations[i, j]`` seconds and ``distances[i, j]`` metres from point i to point j."""

    durations: IntMatrix
    distances: IntMatrix

    def __post_init__(self) -> None:
        if self.durations.shape != self.distances.shape:
            raise ValueError("duration and distance matrices differ in shape")


class TravelTimeProvider(Protocol):
    def matrix(self, points: Sequence[Location]) -> TravelMatrix: ...


def _rounded(values: npt.NDArray[np.float64], how: Rounding) -> IntMatrix:
    if how == "ceil":
        out = np.ceil(values - 1e-9)
    elif how == "trunc":
        out = np.floor(values + 1e-9)
    else:
        out = np.rint(values)
    return out.astype(np.int64)


def haversine_m(points: Sequence[Location]) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between all points (x = longitude, y = latitude)."""
    lat = np.radians(np.array([p.y for p in points], dtype=np.float64))
    lng = np.radians(np.array([p.x for p in points], dtype=np.float64))
    dlat = lat[:, None] - lat[None, :]
    dlng = lng[:, None] - lng[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Haversine × ``road_factor`` at ``speed_kmh``; durations rounded up to whole seconds."""

    road_factor: float = 1.35
    speed_kmh: float = 25.0

    def matrix(self, points: Sequence[Location]) -> TravelMatrix:
        road_m = haversine_m(points) * self.road_factor
        seconds = road_m / (self.speed_kmh / 3.6)
        return TravelMatrix(durations=_rounded(seconds, "ceil"), distances=_rounded(road_m, "round"))


@dataclass(frozen=True, slots=True)
class EuclideanTravel:
    """Plane distance × ``scale`` at speed 1 (one unit of distance per unit of time).

    Solomon "exact" convention: ``scale=1000, duration_rounding="ceil", distance_rounding="round"``
    (any plan feasible with rounded-up times is feasible in real arithmetic). DIMACS convention:
    ``scale=10`` with truncation for both.
    """

    scale: float = 1.0
    duration_rounding: Rounding = "ceil"
    distance_rounding: Rounding = "round"

    def matrix(self, points: Sequence[Location]) -> TravelMatrix:
        xy = np.array([(p.x, p.y) for p in points], dtype=np.float64)
        diff = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2)) * self.scale
        return TravelMatrix(
            durations=_rounded(dist, self.duration_rounding),
            distances=_rounded(dist, self.distance_rounding),
        )


@dataclass(frozen=True, slots=True)
class OsrmTravel:
    """Road matrix from an OSRM server (``GET {base_url}/table/v1/{profile}/...``).

    Suitable for a self-hosted OSRM built from an OpenStreetMap extract of the city. Large point
    sets are requested in blocks of ``block`` sources × all destinations.
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 30.0
    block: int = 200

    def matrix(self, points: Sequence[Location]) -> TravelMatrix:
        n = len(points)
        durations = np.zeros((n, n), dtype=np.int64)
        distances = np.zeros((n, n), dtype=np.int64)
        for lo in range(0, n, self.block):
            sources = list(range(lo, min(n, lo + self.block)))
            dur, dist = self._table(points, sources)
            durations[lo : lo + len(sources)] = dur
            distances[lo : lo + len(sources)] = dist
        return TravelMatrix(durations=durations, distances=distances)

    def _table(self, points: Sequence[Location], sources: list[int]) -> tuple[IntMatrix, IntMatrix]:
        coords = ";".join(f"{p.x:.6f},{p.y:.6f}" for p in points)
        src = ";".join(str(i) for i in sources)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coords}"
            f"?sources={src}&annotations=duration,distance"
        )
        with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
            payload = json.load(response)
        if payload.get("code") != "Ok":
            raise RuntimeError(f"OSRM table failed: {payload.get('code')}")
        dur = np.array(payload["durations"], dtype=np.float64)
        dist = np.array(payload["distances"], dtype=np.float64)
        return _rounded(dur, "ceil"), _rounded(dist, "round")


def straight_km(a: Location, b: Location) -> float:
    """Great-circle kilometres between two geographic points (for reports)."""
    return float(haversine_m([a, b])[0, 1]) / 1000.0 if a != b else 0.0


def euclid(a: Location, b: Location) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)
