import pytest

from doorstep.dispatch.routing.geo import Location
from doorstep.dispatch.routing.travel import EuclideanTravel, HaversineTravel, OsrmTravel, haversine_m


def test_haversine_one_tenth_degree_of_latitude() -> None:
    a, b = Location.from_latlng(31.0, 121.0), Location.from_latlng(31.1, 121.0)
    assert haversine_m([a, b])[0, 1] == pytest.approx(11_119.5, rel=1e-3)
    m = HaversineTravel().matrix([a, b])
    assert m.distances[0, 1] == pytest.approx(11_119.5 * 1.35, abs=2)
    assert m.durations[0, 1] == pytest.approx(11_119.5 * 1.35 / (25 / 3.6), abs=2)


def test_haversine_matrix_is_symmetric_with_zero_diagonal() -> None:
    pts = [Location.from_latlng(31.2 + k / 100, 121.4 + k / 50) for k in range(5)]
    m = HaversineTravel().matrix(pts)
    assert (m.distances == m.distances.T).all() and not m.durations.diagonal().any()
    assert m.durations.dtype.name == m.distances.dtype.name == "int64"


def test_euclidean_rounding_conventions() -> None:
    pts = [Location(0, 0), Location(1, 1), Location(3, 4)]
    exact = EuclideanTravel(scale=1000).matrix(pts)
    assert exact.distances[0, 2] == 5000 and exact.durations[0, 1] == 1415  # ceil of 1414.2
    assert exact.distances[0, 1] == 1414
    dimacs = EuclideanTravel(scale=10, duration_rounding="trunc", distance_rounding="trunc").matrix(pts)
    assert dimacs.distances[0, 1] == 14 and dimacs.durations[0, 1] == 14


def test_osrm_client_is_constructible_without_network() -> None:
    client = OsrmTravel("http://osrm.internal:5000")
    assert client.profile == "driving" and client.block == 200


class _FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, *args: object) -> bytes:
        return self.body

    def __enter__(self) -> "_FakeResponse":
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_osrm_table_is_parsed_and_rounded(monkeypatch: pytest.MonkeyPatch) -> None:
    urls: list[str] = []

    def fake_urlopen(url: str, timeout: float) -> _FakeResponse:
        urls.append(url)
        body = b'{"code": "Ok", "durations": [[0, 60.2], [59.9, 0]], "distances": [[0, 500.4], [499.6, 0]]}'
        return _FakeResponse(body)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    pts = [Location.from_latlng(31.23, 121.47), Location.from_latlng(31.24, 121.48)]
    m = OsrmTravel("http://osrm.internal:5000/").matrix(pts)
    assert m.durations.tolist() == [[0, 61], [60, 0]] and m.distances.tolist() == [[0, 500], [500, 0]]
    assert urls[0].startswith("http://osrm.internal:5000/table/v1/driving/121.470000,31.230000;")
