"""Intake throughput against the bare-view ceiling, in one run, over HTTP against the project's own server.

Starts gunicorn as ``scripts/demo`` does (``-c config/gunicorn.py config.wsgi --workers 2``, the demo's
access log and metrics folder) on a PostgreSQL database prepared by ``benchmarks/intake/setup_data.py``
(brand ``bench``, one Guangzhou centre, 6 models, a partner token), then, in this order:

1. the **bare view** (``GET /healthz``: the full middleware stack, no database) at concurrency 8 for
   ``--seconds``: the ceiling of this server on this machine;
2. **partner intake** (``POST /api/partner/orders``, a new customer and a new reference each time, so every
   request creates an order) at concurrency 8 for ``--seconds``: orders/s, p50/p95/p99, the ratio to (1);
3. **self-booking** (``GET`` the form for its CSRF token, then ``POST /book/bench/``), one at a time:
   the first POST each web process serves after start (cold) and ``--bookings`` more (warm).

Concurrency is 8 client *processes* (no shared interpreter lock with each other), on the same 2 cores as
the server and PostgreSQL. The rate limits of the partner API and the booking form are lifted for the run
(``DOORSTEP_RATE_PARTNER_API``, ``DOORSTEP_RATE_BOOK``): they are abuse limits, not what is measured.
The load average is recorded before and after each phase (other work on the machine shows there).
Usage (from the repository root)::

    .venv/bin/python benchmarks/scale/intake.py                 # database doorstep_scale_intake
    .venv/bin/python benchmarks/scale/intake.py --tag after --seconds 20

``BENCH_WORKERS=N`` runs N web processes instead of the demo's 2 (to compare, not the measured setting).

Results: a table on stdout and ``benchmarks/results/scale_intake[_<tag>].json``; figures in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST, PORT = "127.0.0.1", 8767  # loopback only
PG = ["-h", "127.0.0.1", "-U", "postgres"]
PARTNER_TOKEN = "bench-partner-token-loopback-only"  # a throw-away database on 127.0.0.1
DISTRICTS = ("天河区", "越秀区", "海珠区", "白云区", "番禺区", "荔湾区")
MODELS = ("KFR-26GW", "KFR-35GW", "KFR-50LW", "KFR-72LW", "JSQ25-13", "F60-21")
SYMPTOMS = ("不制冷", "漏水", "有异响", "不开机", "遥控失灵", "不出热水")


def order_body(prefix: str, n: int) -> dict[str, Any]:
    return {
        "external_ref": f"{prefix}-{n}",
        "customer_name": f"客户{n}",
        "phone": f"1{prefix[:4]}{n:06d}",
        "province": "广东省",
        "city": "广州市",
        "district": DISTRICTS[n % len(DISTRICTS)],
        "detail": f"测试路{n % 900 + 1}号{n % 30 + 1}楼",
        "model_code": MODELS[n % len(MODELS)],
        "purchase_date": "2024-06-18",
        "faults": [SYMPTOMS[n % len(SYMPTOMS)]],
        "requirement": "明天上午",
        "delivery": [{"name": "空调", "quantity": 1}],
    }


def _client(kind: str, index: int, prefix: str, deadline: float, out: Any) -> None:
    """One client process: requests back to back until the deadline; (seconds, status) per request."""
    results: list[tuple[float, int]] = []
    n = index * 1_000_000 // 8
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        started = time.perf_counter()
        try:
            if kind == "bare":
                conn.request("GET", "/healthz", headers={"Host": HOST})
            else:
                n += 1
                conn.request(
                    "POST",
                    "/api/partner/orders",
                    body=json.dumps(order_body(prefix, n)),
                    headers={
                        "Host": HOST,
                        "Authorization": f"Bearer {PARTNER_TOKEN}",
                        "Content-Type": "application/json",
                    },
                )
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            conn.close()
        results.append((time.perf_counter() - started, status))
    out.put(results)


def load(kind: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """``concurrency`` client processes for ``seconds``: requests/s, percentiles, statuses."""
    prefix = f"{random.randrange(30, 90)}{random.randrange(100):02d}"
    queue: Any = mp.Queue()
    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + seconds
    procs = [mp.Process(target=_client, args=(kind, i, prefix, deadline, queue)) for i in range(concurrency)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get()]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    times = sorted(t * 1000 for t, _s in results)
    statuses: dict[str, int] = {}
    for _t, s in results:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    return {
        "requests": len(results),
        "seconds": round(elapsed, 1),
        "per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(_pct(times, 50), 1),
        "p95_ms": round(_pct(times, 95), 1),
        "p99_ms": round(_pct(times, 99), 1),
        "statuses": statuses,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, round(pct / 100 * (len(values) - 1)))]


def book_once(n: int) -> tuple[float, int, float]:
    """GET the form (its CSRF cookie and token), then the POST: (POST ms, POST status, GET ms)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    got = time.perf_counter()
    conn.request("GET", "/book/bench/", headers={"Host": HOST})
    page = conn.getresponse()
    html = page.read().decode()
    conn.close()
    get_ms = (time.perf_counter() - got) * 1000
    cookie = next(
        (v.split(";")[0] for k, v in page.getheaders() if k.lower() == "set-cookie" and "csrftoken" in v), ""
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    line = re.search(r'name="line"[^>]*value="(\d+)"', html) or re.search(r'<option value="(\d+)"', html)
    day = re.search(r'name="day"[^>]*min="([\d-]+)"', html)
    form = {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "form_token": str(uuid.uuid4()),
        "service_type": "repair",
        "line": line.group(1) if line else "",
        "model": "",
        "other_symptom": "不制冷",
        "customer_name": f"预约{n}",
        "phone": f"139{random.randrange(10**8):08d}",
        "address_text": f"广州市{DISTRICTS[n % len(DISTRICTS)]}测试路{n}号",
        "day": day.group(1) if day else "",
        "period": "afternoon",
    }
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    started = time.perf_counter()
    conn.request(
        "POST",
        "/book/bench/",
        body=urllib.parse.urlencode(form),
        headers={"Host": HOST, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return (time.perf_counter() - started) * 1000, response.status, get_ms


def server(db_url: str, log: Any, metrics_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DOORSTEP_ENV": "dev",
        "DOORSTEP_PUBLIC_URL": f"http://{HOST}:{PORT}",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,  # as scripts/demo
        "DOORSTEP_ACCESS_LOG_LEVEL": os.environ.get("DOORSTEP_ACCESS_LOG_LEVEL", "INFO"),  # as scripts/demo
        "DOORSTEP_RATE_PARTNER_API": "100000000/m",
        "DOORSTEP_RATE_BOOK": "100000000/m",
    }
    argv = [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi", "--bind", f"{HOST}:{PORT}"]
    return subprocess.Popen(
        [*argv, "--workers", os.environ.get("BENCH_WORKERS", "2"), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def wait_up() -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="doorstep_scale_intake")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=20)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    db_url = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    subprocess.run(["createdb", *PG, args.db], capture_output=True, check=False)  # kept between runs
    env = {**os.environ, "DATABASE_URL": db_url, "DOORSTEP_ENV": "dev", "BENCH_PARTNER_TOKEN": PARTNER_TOKEN}
    subprocess.run(
        [PYTHON, "benchmarks/intake/setup_data.py"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "conn_max_age": os.environ.get("DATABASE_CONN_MAX_AGE", "settings default"),
        },
        "command": "benchmarks/scale/intake.py " + " ".join(f"--{k} {v}" for k, v in vars(args).items() if v),
    }
    with (
        tempfile.TemporaryDirectory() as metrics_dir,
        open(ROOT / "var" / "bench-scale-intake.log", "wb") as log,
    ):
        web = server(db_url, log, metrics_dir)
        try:
            wait_up()
            cold = [book_once(i) for i in range(2)]  # the first requests after start (each web process)
            for i in range(4):  # warm both workers on both paths
                book_once(100 + i)
            load("intake", 2, 2)
            load("bare", 2, 2)
            results["bare_view"] = load("bare", args.seconds, args.concurrency)
            print(f"[intake] bare view      {results['bare_view']}", flush=True)
            results["partner_intake"] = load("intake", args.seconds, args.concurrency)
            print(f"[intake] partner intake {results['partner_intake']}", flush=True)
            warm = [book_once(200 + i) for i in range(args.bookings)]
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(30)
    bare, intake = results["bare_view"], results["partner_intake"]
    intake["ratio_to_bare"] = round(intake["per_second"] / bare["per_second"], 3)
    results["self_booking"] = {
        "first_get_ms": [round(g, 1) for _ms, _s, g in cold],
        "first_post_ms": [round(ms, 1) for ms, _s, _g in cold],
        "warm_median_ms": round(statistics.median(ms for ms, _s, _g in warm), 1),
        "warm_p95_ms": round(_pct(sorted(ms for ms, _s, _g in warm), 95), 1),
        "warm_max_ms": round(max(ms for ms, _s, _g in warm), 1),
        "statuses": sorted({s for _ms, s, _g in cold + warm}),
    }
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    name = f"scale_intake{'_' + args.tag if args.tag else ''}.json"
    (ROOT / "benchmarks" / "results" / name).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print("\n| measure | value |\n|---|---|")
    print(f"| bare view (GET /healthz), c={args.concurrency} | {bare['per_second']:,.0f} req/s |")
    print(
        f"| partner intake, c={args.concurrency} | {intake['per_second']:,.1f} orders/s, "
        f"p50 {intake['p50_ms']} ms, p95 {intake['p95_ms']} ms ({intake['statuses']}) |"
    )
    print(f"| intake / bare | {intake['ratio_to_bare']}× |")
    sb = results["self_booking"]
    print(
        f"| self-booking | first GET / POST after start {sb['first_get_ms']} / {sb['first_post_ms']} ms, "
        f"then POST median {sb['warm_median_ms']} ms, p95 {sb['warm_p95_ms']} ms |"
    )
    print(
        f"| load average start → end | {results['machine']['load_average_at_start']} → "
        f"{results['machine']['load_average_at_end']} |"
    )


if __name__ == "__main__":
    main()
