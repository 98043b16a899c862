"""Intake load: create orders through POST /api/orders against a running server, at a few concurrencies.

Starts the server itself (gunicorn, 2 workers, 127.0.0.1 only), prepares the database with
``setup_data.py``, sends a bounded number of requests per level (each a distinct customer), and reports
orders/s and latency percentiles (each level run ``--repeat`` times, the median run reported). Usage::

    .venv/bin/python benchmarks/intake/run.py --db sqlite
    createdb -h 127.0.0.1 -U postgres doorstep_bench
    .venv/bin/python benchmarks/intake/run.py --db postgres

Results: a table on stdout and ``benchmarks/results/intake_<db>[_<tag>].json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST, PORT = "127.0.0.1", 8765  # loopback only
DATABASES = {
    "sqlite": f"sqlite:///{ROOT / 'var' / 'bench-intake.sqlite3'}",
    "postgres": "postgres://postgres@127.0.0.1:5432/doorstep_bench",
}
LEVELS = ((1, 100), (4, 300), (16, 400))  # (concurrency, requests)
PREFIXES = (
    [f"13{d}" for d in range(10)]
    + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [f"18{d}" for d in range(10)]
)
DISTRICTS = ("天河区", "越秀区", "海珠区", "白云区", "番禺区", "荔湾区")
MODELS = ("KFR-26GW", "KFR-35GW", "KFR-50LW", "KFR-72LW", "JSQ25-13", "F60-21")
SYMPTOMS = ("不制冷", "漏水", "有异响", "不开机", "遥控失灵", "不出热水")


class Customers:
    """Distinct customers: a phone prefix and run number unlikely to repeat between runs, then a counter."""

    def __init__(self) -> None:
        self.prefix = random.choice(PREFIXES) + f"{random.randrange(100):02d}"
        self.next = 0
        self.lock = threading.Lock()

    def order(self) -> dict[str, Any]:
        with self.lock:
            n, self.next = self.next, self.next + 1
        return {
            "brand": "bench",
            "channel": "partner",
            "service_type": "repair",
            "customer_name": f"客户{n}",
            "phone": f"{self.prefix}{n:06d}",
            "province": "广东省",
            "city": "广州市",
            "district": DISTRICTS[n % len(DISTRICTS)],
            "detail": f"测试路{n % 900 + 1}号{n % 30 + 1}楼",
            "model_code": MODELS[n % len(MODELS)],
            "purchase_date": "2024-06-18",
            "faults": [SYMPTOMS[n % len(SYMPTOMS)]],
            "requirement": "明天上午",
        }


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1


def worker(token: str, customers: Customers, budget: list[int], deadline: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Connection": "keep-alive",
    }
    while time.monotonic() < deadline:
        with tally.lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        body = json.dumps(customers.order())
        start = time.perf_counter()
        try:
            conn.request("POST", "/api/orders", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = str(response.status)
            if response.status in (200, 201):
                status += ":" + json.loads(payload).get("outcome", "")
        except (OSError, http.client.HTTPException) as err:
            status = f"error:{type(err).__name__}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        tally.add(time.perf_counter() - start, status)
    conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def level(token: str, concurrency: int, requests: int, seconds: float) -> dict[str, Any]:
    tally, customers, budget = Tally(), Customers(), [requests]
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=worker, args=(token, customers, budget, deadline, tally))
        for _ in range(concurrency)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    created = sum(n for s, n in tally.statuses.items() if s == "201:created")
    ms = [x * 1000 for x in tally.latencies] or [0.0]
    return {
        "concurrency": concurrency,
        "requests": len(tally.latencies),
        "created": created,
        "statuses": tally.statuses,
        "wall_s": round(wall, 2),
        "orders_per_s": round(created / wall, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput (a shared machine makes single runs noisy)."""
    return sorted(runs, key=lambda r: r["orders_per_s"])[len(runs) // 2]


def wait_ready(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/api/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server not ready")


def serve(env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        str(GUNICORN),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{PORT}",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def table(rows: list[dict[str, Any]], db: str) -> str:
    head = ("db", "conc", "reqs", "created", "orders/s", "p50 ms", "p95 ms", "p99 ms")
    lines = ["{:<9}{:>5}{:>6}{:>8}{:>10}{:>9}{:>9}{:>9}".format(*head)]
    for r in rows:
        lines.append(
            f"{db:<9}{r['concurrency']:>5}{r['requests']:>6}{r['created']:>8}{r['orders_per_s']:>10}"
            f"{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=sorted(DATABASES), default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=90, help="time cap per concurrency level")
    parser.add_argument("--tag", default="", help="suffix of the result file (e.g. conn60)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of all levels; the median round is reported"
    )
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": DATABASES[args.db], "DJANGO_DEBUG": "0"}
    token = subprocess.run(
        [str(PYTHON), "benchmarks/intake/setup_data.py"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    proc = serve(env, args.workers)
    try:
        wait_ready(proc)
        level(token, 2, 10, 30)  # warm-up: imports, connections, caches
        rounds = [[level(token, c, n, args.seconds) for c, n in LEVELS] for _ in range(args.repeat)]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    rows = [median_round([r[i] for r in rounds]) for i in range(len(LEVELS))]
    print(table(rows, args.db))
    out = {
        "benchmark": "intake_load",
        "db": args.db,
        "endpoint": "POST /api/orders",
        "conn_max_age": int(env.get("DATABASE_CONN_MAX_AGE", "0")),
        "server": f"gunicorn {version('gunicorn')} --workers {args.workers} (sync), {HOST}:{PORT}",
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "django": version("django"),
        },
        "repeat": args.repeat,
        "levels": rows,
        "rounds": rounds,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"intake_{args.db}{'_' + args.tag if args.tag else ''}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
