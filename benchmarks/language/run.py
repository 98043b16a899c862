"""Service-language benchmark (R-LG-2, R-LG-3): precision, recall and exact hit lists on the corpus.

    .venv/bin/python benchmarks/language/run.py            # print the figures
    .venv/bin/python benchmarks/language/run.py --write    # also refresh the section in docs/benchmarks.md
    .venv/bin/python benchmarks/language/run.py --misses   # list every text whose hit list is wrong

Pure Python (the checker imports no Django); the corpus is tests/language/corpus.tsv.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from doorstep.quality.language import LanguageMatcher  # noqa: E402
from tests.language.corpus import KINDS, Score, load, score  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- language-benchmark:begin -->"
END = "<!-- language-benchmark:end -->"
COMMAND = ".venv/bin/python benchmarks/language/run.py --write"


def _row(label: str, s: Score) -> str:
    return (
        f"| {label} | {s.texts} | {s.tricky} | {s.precision:.3f} | {s.recall:.3f} | "
        f"{s.exact}/{s.texts} ({s.exact / s.texts:.1%}) | {s.exact_tricky}/{s.tricky} | "
        f"{s.clean_flagged}/{s.clean_texts} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="rewrite the section in docs/benchmarks.md")
    parser.add_argument("--misses", action="store_true", help="print the texts whose hit list is wrong")
    args = parser.parse_args()

    matcher = LanguageMatcher()
    cases = load()
    began = time.perf_counter()
    predicted = [tuple(hit.phrase_id for hit in matcher.check(case.text)) for case in cases]
    elapsed = time.perf_counter() - began

    total = score(cases, predicted)
    lines = [
        "| texts | n | tricky | precision | recall | exact hit list | exact (tricky) | clean texts flagged |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        _row("all", total),
    ]
    for kind in KINDS:
        chosen = [i for i, case in enumerate(cases) if case.kind == kind]
        lines.append(_row(kind, score([cases[i] for i in chosen], [predicted[i] for i in chosen])))
    table = "\n".join(lines)
    print(table)
    print(f"{len(cases)} texts checked in {elapsed * 1000:.0f} ms")

    if args.misses:
        for case, got in zip(cases, predicted, strict=True):
            if got != case.expected:
                want, have = list(case.expected), list(got)
                print(f"line {case.line} [{case.kind}] want {want} got {have}: {case.text!r}")

    if args.write:
        section = (
            f"{BEGIN}\nCommand: `{COMMAND}` (corpus `tests/language/corpus.tsv`; hits compared per "
            f"text as phrase ids; precision/recall over all hits; exact = the text's whole hit list "
            f"right, in order).\n\n"
            f"{table}\n{END}"
        )
        doc = DOC.read_text(encoding="utf-8")
        if BEGIN in doc:
            head, rest = doc.split(BEGIN, 1)
            doc = head + section + rest.split(END, 1)[1]
        else:
            doc = doc.rstrip("\n") + "\n\n## Service language (R-LG-2)\n\n" + section + "\n"
        DOC.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
