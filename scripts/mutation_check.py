"""Hand-run mutation check of the rule modules' threshold comparisons (docs/testing.md, "Boundary mutants").

Each mutant changes one comparison or one policy number at the place a rule decides (``<=`` -> ``<``,
``>=`` -> ``>``, ``+ n`` -> ``+ n + 1`` …), runs the tests that should notice, and restores the file.
A mutant is *killed* when a test fails, *survived* when all pass.

    .venv/bin/python scripts/mutation_check.py            # all mutants
    .venv/bin/python scripts/mutation_check.py M03 M07    # some of them

Prints one line per mutant and a summary; exits 1 if any mutant survived. Run it on a clean work tree
(each file is restored from memory after its run, also on Ctrl-C).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    id: str
    rule: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "M01",
        "R-DI-1",
        "doorstep/dispatch/slots.py",
        "if len(booked) >= policy.max_visits_per_technician:",
        "if len(booked) > policy.max_visits_per_technician:",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_appointment_overlap.py",
        ),
    ),
    Mutant(
        "M02",
        "R-DI-3",
        "doorstep/dispatch/slots.py",
        "c for c in (grid if only is None else only) if c >= earliest",
        "c for c in (grid if only is None else only) if c > earliest",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_appointment_overlap.py",
            "doorstep/channels/tests/test_selfbook.py",
        ),
    ),
    Mutant(
        "M03",
        "R-DI-3",
        "doorstep/dispatch/slots.py",
        "while t + span <= hours.end:",
        "while t + span < hours.end:",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_appointment_overlap.py",
            "doorstep/channels/tests/test_selfbook.py",
        ),
    ),
    Mutant(
        "M04",
        "R-AR-1",
        "doorstep/visits/arrival/protocol.py",
        "if until - started < timedelta(minutes=policy.knock_call_after_minutes):",
        "if until - started <= timedelta(minutes=policy.knock_call_after_minutes):",
        (
            "doorstep/visits/tests/test_rule_thresholds.py",
            "doorstep/visits/tests/test_visit_rules.py",
            "doorstep/visits/tests/test_policy_numbers.py",
        ),
    ),
    Mutant(
        "M05",
        "R-CO-1",
        "doorstep/visits/consent/signing.py",
        "pending.expires_at < clock.now()",
        "pending.expires_at <= clock.now()",
        (
            "doorstep/visits/tests/test_rule_thresholds.py",
            "doorstep/visits/tests/test_visit_rules.py",
        ),
    ),
    Mutant(
        "M06",
        "R-CO-1",
        "doorstep/visits/consent/signing.py",
        "pending.attempts >= policy.sign_code_attempts",
        "pending.attempts > policy.sign_code_attempts",
        (
            "doorstep/visits/tests/test_rule_thresholds.py",
            "doorstep/visits/tests/test_visit_rules.py",
        ),
    ),
    Mutant(
        "M07",
        "R-QA-1",
        "doorstep/quality/services/feedback.py",
        "last = tries >= policy.callback_max_attempts",
        "last = tries > policy.callback_max_attempts",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_feedback.py",
        ),
    ),
    Mutant(
        "M08",
        "R-QA-3",
        "doorstep/quality/services/feedback.py",
        "if value <= threshold]",
        "if value < threshold]",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_feedback.py",
        ),
    ),
    Mutant(
        "M09",
        "R-QA-4",
        "doorstep/quality/selectors/kpis.py",
        "c.at < at <= c.at + days",
        "c.at < at < c.at + days",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_kpis.py",
        ),
    ),
    Mutant(
        "M10",
        "R-QA-4",
        "doorstep/quality/selectors/kpis.py",
        "c.reopened_at <= c.at + days",
        "c.reopened_at < c.at + days",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_kpis.py",
        ),
    ),
    Mutant(
        "M11",
        "R-QA-1",
        "doorstep/quality/selectors/kpis.py",
        "done = any(c.at <= at <= c.at + window for at in s.called_back)",
        "done = any(c.at <= at < c.at + window for at in s.called_back)",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_kpis.py",
        ),
    ),
    Mutant(
        "M12",
        "R-QA-5",
        "doorstep/quality/services/warnings.py",
        "if len(current) >= policy.warning_min_count and p < policy.warning_alpha:",
        "if len(current) > policy.warning_min_count and p < policy.warning_alpha:",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_warnings.py",
        ),
    ),
    Mutant(
        "M13",
        "R-PR-2",
        "doorstep/dispatch/models.py",
        "(until is None or on <= until)",
        "(until is None or on < until)",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_eligibility.py",
        ),
    ),
    Mutant(
        "M14",
        "R-PR-2",
        "doorstep/quality/selectors/people.py",
        "valid_until__lte=horizon, technician__staff__centre_id",
        "valid_until__lt=horizon, technician__staff__centre_id",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_pages.py",
            "doorstep/quality/tests/test_hooks_and_people.py",
        ),
    ),
    Mutant(
        "M15",
        "R-IN-2",
        "doorstep/orders/intake.py",
        "since = clock.now() - timedelta(days=window_days)",
        "since = clock.now() - timedelta(days=window_days - 1)",
        (
            "doorstep/orders/tests/test_rule_thresholds.py",
            "doorstep/orders/tests/test_intake.py",
        ),
    ),
    Mutant(
        "M16",
        "R-DI-8",
        "doorstep/dispatch/moves.py",
        "timedelta(0) < new_start - order.window_start <= half_day",
        "timedelta(0) < new_start - order.window_start < half_day",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_reschedule.py",
        ),
    ),
    Mutant(
        "M17",
        "R-DI-8",
        "doorstep/dispatch/moves.py",
        '"notice_breach": minutes < required}',
        '"notice_breach": minutes <= required}',
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_reschedule.py",
        ),
    ),
    Mutant(
        "M18",
        "R-AN-2",
        "doorstep/orders/moves.py",
        "due_at=clock.now() + timedelta(minutes=minutes),",
        "due_at=clock.now() + timedelta(minutes=minutes + 1),",
        (
            "doorstep/orders/tests/test_rule_thresholds.py",
            "doorstep/orders/tests/test_deadlines.py",
        ),
    ),
    Mutant(
        "M19",
        "R-IN-4",
        "doorstep/orders/intake.py",
        "due_at=now + timedelta(minutes=policy.response_minutes(order.service_type, order.priority)),",
        "due_at=now + timedelta(minutes=policy.response_minutes(order.service_type, order.priority) + 1),",
        (
            "doorstep/orders/tests/test_rule_thresholds.py",
            "doorstep/orders/tests/test_intake.py",
        ),
    ),
    Mutant(
        "M20",
        "R-QA-3",
        "doorstep/quality/services/complaints.py",
        "return (now or clock.now()) + timedelta(hours=hours)",
        "return (now or clock.now()) + timedelta(hours=hours + 1)",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_feedback.py",
        ),
    ),
    Mutant(
        "M21",
        "R-DI-1",
        "doorstep/dispatch/services.py",
        "due_at=now + timedelta(minutes=policy_of(order).outlet_accept_minutes),",
        "due_at=now + timedelta(minutes=policy_of(order).outlet_accept_minutes + 1),",
        (
            "doorstep/dispatch/tests/test_rule_thresholds.py",
            "doorstep/dispatch/tests/test_outlets.py",
        ),
    ),
    Mutant(
        "M22",
        "R-QA-1",
        "doorstep/orders/moves.py",
        "due_at=now + timedelta(days=policy.callback_max_days),",
        "due_at=now + timedelta(days=policy.callback_max_days + 1),",
        (
            "doorstep/orders/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_feedback.py",
        ),
    ),
    Mutant(
        "M23",
        "R-QA-1",
        "doorstep/quality/services/feedback.py",
        "next_try = None if last else now + timedelta(hours=policy.callback_retry_hours)",
        "next_try = None if last else now + timedelta(hours=policy.callback_retry_hours + 1)",
        (
            "doorstep/quality/tests/test_rule_thresholds.py",
            "doorstep/quality/tests/test_feedback.py",
        ),
    ),
    Mutant(
        "M24",
        "R-QA-1",
        "doorstep/orders/moves.py",
        "not_before=now + timedelta(days=policy.callback_min_days),",
        "not_before=now + timedelta(days=policy.callback_min_days + 1),",
        ("doorstep/quality/tests/test_feedback.py",),
    ),
    Mutant(
        "M25",
        "R-IN-2",
        "doorstep/orders/intake.py",
        "due_at=now + timedelta(hours=policy.verify_hours),",
        "due_at=now + timedelta(hours=policy.verify_hours + 1),",
        (
            "doorstep/orders/tests/test_rule_thresholds.py",
            "doorstep/orders/tests/test_intake.py",
            "doorstep/orders/tests/test_deadlines.py",
        ),
    ),
    Mutant(
        "M26",
        "R-AR-2",
        "doorstep/visits/moves.py",
        "due_in=timedelta(hours=policy_of(ctx.order).rebook_due_hours),",
        "due_in=timedelta(hours=policy_of(ctx.order).rebook_due_hours + 1),",
        (
            "doorstep/visits/tests/test_rule_thresholds.py",
            "doorstep/visits/tests/test_visit_rules.py",
            "doorstep/visits/tests/test_policy_numbers.py",
        ),
    ),
    Mutant(
        "M27",
        "R-QA-5",
        "doorstep/quality/services/warnings.py",
        "if len(current) >= policy.warning_min_count and p < policy.warning_alpha:",
        "if len(current) >= policy.warning_min_count and p <= policy.warning_alpha:",
        ("doorstep/quality/tests/test_rule_thresholds.py", "doorstep/quality/tests/test_warnings.py"),
    ),
    Mutant(
        "M28",
        "R-DI-3",
        "doorstep/channels/forms.py",
        "return today + timedelta(days=self.ahead_days - 1)",
        "return today + timedelta(days=self.ahead_days)",
        ("doorstep/channels/tests/test_rule_thresholds.py", "doorstep/channels/tests/test_selfbook.py"),
    ),
    Mutant(
        "M29",
        "R-DI-5",
        "doorstep/visits/previsit.py",
        "late = departure is not None and next_at is not None and next_at > departure",
        "late = departure is not None and next_at is not None and next_at >= departure",
        ("doorstep/visits/tests/test_rule_thresholds.py", "doorstep/visits/tests/test_previsit.py"),
    ),
    Mutant(
        "M30",
        "R-DI-5",
        "doorstep/visits/previsit.py",
        "unreachable = unanswered >= attempts",
        "unreachable = unanswered > attempts",
        ("doorstep/visits/tests/test_rule_thresholds.py", "doorstep/visits/tests/test_previsit.py"),
    ),
    Mutant(
        "M31",
        "R-DI-6",
        "doorstep/visits/moves.py",
        'guard((A.DEPART, A.ARRIVE), consent_before_the_visit, "R-DI-6"),',
        'guard((A.ARRIVE,), consent_before_the_visit, "R-DI-6"),',
        ("doorstep/visits/tests/test_previsit.py",),
    ),
    Mutant(
        "M32",
        "R-DI-10",
        "doorstep/dispatch/eligibility.py",
        "return job.senior_than is None or self.seniority > job.senior_than",
        "return job.senior_than is None or self.seniority >= job.senior_than",
        ("doorstep/dispatch/tests/test_rule_thresholds.py", "doorstep/visits/tests/test_previsit.py"),
    ),
    Mutant(
        "M33",
        "R-IN-4",
        "doorstep/core/policy.py",
        'return int(getattr(self, own if own in NAMES else f"response_minutes_{priority}"))',
        'return int(getattr(self, f"response_minutes_{priority}"))',
        ("doorstep/orders/tests/test_rule_thresholds.py",),
    ),
)


def _existing(tests: tuple[str, ...]) -> list[str]:
    return [t for t in tests if (ROOT / t).exists()]


def run(mutant: Mutant) -> tuple[str, float]:
    path = ROOT / mutant.path
    original = path.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        return "stale (the original code is not there once)", 0.0
    began = time.perf_counter()
    try:
        path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "not browser",
                *_existing(mutant.tests),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    verdicts = {0: "survived", 1: "killed"}
    verdict = verdicts.get(result.returncode, f"error {result.returncode}")
    return verdict, time.perf_counter() - began


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so the mutated file is restored by run()'s ``finally``


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    chosen = [m for m in MUTANTS if not argv or m.id in argv]
    survived = 0
    for mutant in chosen:
        verdict, seconds = run(mutant)
        survived += verdict == "survived"
        print(
            f"{mutant.id} {mutant.rule:7} {mutant.path}: {mutant.old.strip()!r} -> {mutant.new.strip()!r}: "
            f"{verdict} ({seconds:.0f} s)",
            flush=True,
        )
    print(f"{len(chosen) - survived}/{len(chosen)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
