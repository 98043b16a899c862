"""Seeded, realistic technician day in Shanghai: 2,000 visits, 200 technicians (defaults).

District table: the 16 districts of Shanghai with resident population from the 7th National
Population Census (2020, Shanghai Municipal Bureau of Statistics), in ten-thousands, and the
approximate coordinates (WGS-84, rounded to 0.01°) of each district's centre of population /
government seat, taken from OpenStreetMap. The coordinates were compiled offline and are only meant
to place visits realistically, not to geocode anything. ``spread_km`` is the standard deviation of
the scatter around the centre (larger for the big outer districts).

Day design (stated in docs/benchmarks.md):
* shift 08:30–18:00, leaving from and returning home; a 60-minute lunch that must start between
  11:30 and 13:30;
* 2-hour appointment windows starting on the hour from 09:00 to 16:00 (service must start inside);
* skills by product line (air conditioner, washer, fridge, water heater, kitchen appliances) plus a
  work-at-height certificate needed by outdoor air-conditioner jobs (R-PR-2);
* ~5 % of visits pinned to the technician already confirmed to the customer (priority 2); 10 %
  of the others have priority 1;
* service durations of 15–35 minutes (mean about 24). A technician day of the kind measured in
  cityday-findings (45–120 min services) holds about 5 visits, so 2,000 visits on 200 technicians
  (10 each) is only plausible for short jobs: quick repairs, inspections, cleaning and
  small-appliance work.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from doorstep.dispatch.routing.geo import Location  # noqa: E402
from doorstep.dispatch.routing.model import LunchBreak, Problem, Technician, Visit  # noqa: E402
from doorstep.dispatch.routing.travel import HaversineTravel  # noqa: E402


@dataclass(frozen=True, slots=True)
class District:
    name: str
    lat: float
    lng: float
    population_10k: float
    spread_km: float


SHANGHAI = [
    District("Huangpu 黄浦", 31.23, 121.48, 66.2, 1.5),
    District("Xuhui 徐汇", 31.18, 121.44, 111.3, 2.5),
    District("Changning 长宁", 31.22, 121.41, 69.3, 2.0),
    District("Jing'an 静安", 31.26, 121.45, 97.6, 2.0),
    District("Putuo 普陀", 31.25, 121.40, 123.9, 2.5),
    District("Hongkou 虹口", 31.27, 121.49, 75.8, 1.8),
    District("Yangpu 杨浦", 31.28, 121.53, 124.3, 2.5),
    District("Pudong 浦东", 31.20, 121.60, 568.2, 9.0),
    District("Minhang 闵行", 31.11, 121.39, 265.3, 5.5),
    District("Baoshan 宝山", 31.38, 121.45, 223.5, 5.0),
    District("Jiading 嘉定", 31.36, 121.26, 183.4, 6.0),
    District("Jinshan 金山", 30.78, 121.33, 82.3, 6.0),
    District("Songjiang 松江", 31.03, 121.23, 190.9, 6.0),
    District("Qingpu 青浦", 31.15, 121.12, 127.1, 6.5),
    District("Fengxian 奉贤", 30.92, 121.47, 114.1, 6.5),
    District("Chongming 崇明", 31.62, 121.40, 63.7, 8.0),
]
PRODUCTS = {"ac": 0.35, "washer": 0.2, "fridge": 0.15, "water_heater": 0.15, "kitchen": 0.15}
JOBS = [("repair", 0.45, (20, 35)), ("maintenance", 0.3, (20, 30)), ("inspection", 0.25, (15, 20))]
HOUR = 3600
EARLY_MARGIN_S = 5 * 60  # the standard's default early arrival (R-DI-7), as the city day uses it
SHIFT = (8 * HOUR + 30 * 60, 18 * HOUR)
LUNCH = LunchBreak(duration=60 * 60, earliest_start=11 * HOUR + 30 * 60, latest_start=13 * HOUR + 30 * 60)
SLOT_STARTS = [h * HOUR for h in range(9, 17)]
SLOT_WEIGHTS = [1.3, 1.3, 1.0, 0.6, 1.0, 1.2, 1.2, 0.9]


def _scatter(rng: random.Random, d: District) -> Location:
    dy, dx = rng.gauss(0, d.spread_km), rng.gauss(0, d.spread_km)
    lat = d.lat + dy / 111.2
    lng = d.lng + dx / (111.2 * math.cos(math.radians(d.lat)))
    return Location.from_latlng(round(lat, 6), round(lng, 6))


def _district(rng: random.Random) -> District:
    return rng.choices(SHANGHAI, weights=[d.population_10k for d in SHANGHAI])[0]


def make_technicians(rng: random.Random, count: int) -> list[tuple[Technician, District]]:
    out = []
    for k in range(count):
        d = _district(rng)
        lines = set(rng.sample(list(PRODUCTS), k=rng.choice([2, 2, 3, 3, 4])))
        if rng.random() < 0.45:
            lines.add("height")
        tech = Technician(
            f"T{k + 1:03d}", _scatter(rng, d), SHIFT[0], SHIFT[1], skills=frozenset(lines), lunch=LUNCH
        )
        out.append((tech, d))
    return out


def _visit(rng: random.Random, k: int, d: District) -> Visit:
    product = rng.choices(list(PRODUCTS), weights=list(PRODUCTS.values()))[0]
    job, _, (lo, hi) = rng.choices(JOBS, weights=[j[1] for j in JOBS])[0]
    skills = {product}
    if product == "ac" and job == "repair" and rng.random() < 0.4:  # outdoor unit: work at height (R-PR-2)
        skills.add("height")
    start = rng.choices(SLOT_STARTS, weights=SLOT_WEIGHTS)[0]
    return Visit(
        f"V{k + 1:04d}",
        _scatter(rng, d),
        start,
        start + 2 * HOUR,
        rng.randint(lo, hi) * 60,
        required_skills=frozenset(skills),
        priority=1 if rng.random() < 0.1 else 0,
    )


def _pin(rng: random.Random, visit: Visit, d: District, techs: list[tuple[Technician, District]]) -> Visit:
    local = [t for t, td in techs if td == d and visit.required_skills <= t.skills]
    if not local:
        return visit
    # A confirmed appointment outranks new bookings.
    return replace(visit, priority=2, pinned_to=rng.choice(local).id)


def generate(seed: int = 7, visits: int = 2000, technicians: int = 200, pin_share: float = 0.05) -> Problem:
    rng = random.Random(seed)
    techs = make_technicians(rng, technicians)
    out = []
    for k in range(visits):
        d = _district(rng)
        visit = _visit(rng, k, d)
        out.append(_pin(rng, visit, d, techs) if rng.random() < pin_share else visit)
    return Problem(
        [t for t, _ in techs],
        out,
        HaversineTravel(),
        early_margin=EARLY_MARGIN_S,
        name=f"shanghai-{seed}-{visits}x{technicians}",
    )


def to_json(problem: Problem) -> dict[str, object]:
    def clean(obj: object) -> object:
        return sorted(obj) if isinstance(obj, frozenset) else obj

    return {
        "name": problem.name,
        "technicians": [{k: clean(v) for k, v in asdict(t).items()} for t in problem.technicians],
        "visits": [{k: clean(v) for k, v in asdict(v).items()} for v in problem.visits],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Generate a Shanghai technician day.")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--visits", type=int, default=2000)
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--out", type=Path, help="write the day as JSON")
    args = ap.parse_args()
    problem = generate(args.seed, args.visits, args.technicians)
    if args.out:
        args.out.write_text(json.dumps(to_json(problem), ensure_ascii=False))
    pinned = sum(v.pinned_to is not None for v in problem.visits)
    print(
        f"{problem.name}: {len(problem.visits)} visits ({pinned} pinned), "
        f"{len(problem.technicians)} technicians"
    )


if __name__ == "__main__":
    main()
