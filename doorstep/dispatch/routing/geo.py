"""Points on the map or the plane: the one type that the problem model and the travel providers share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A point. ``x`` is longitude and ``y`` latitude for geographic providers; plane units otherwise."""

    x: float
    y: float

    @classmethod
    def from_latlng(cls, lat: float, lng: float) -> Location:
        return cls(x=lng, y=lat)

    @property
    def lat(self) -> float:
        return self.y

    @property
    def lng(self) -> float:
        return self.x
