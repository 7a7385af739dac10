"""Score our Detector and a vanilla Presidio AnalyzerEngine on the fresh corpus.

Usage: ``python -m bench.fresh [--show-misses] [--seed N] [--no-vanilla]``

Expected decisions come from ``bench.fresh.corpus.expected_decision`` (the rules of POLICY_REFERENCE.md).
Scoring, metrics and the report (how a finding is matched, what a leak is, how snippets are masked) are
shared with the other labelled-corpus runner: see ``bench.scoring``.
"""

from __future__ import annotations

import os

from bench.offline import go_offline

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # share the 2-core box politely
    os.environ.setdefault(_v, "1")
go_offline("bench.fresh")

from bench.fresh.corpus import POLICIES, SEED, build_corpus  # noqa: E402
from bench.scoring import Scores, run  # noqa: E402


def style_summary(s: Scores) -> list[str]:
    """Cases with every policy's decision right, per case style."""
    return [
        "  cases with all four decisions right, by style: "
        + ", ".join(f"{k} {v['correct']}/{v['n']}" for k, v in sorted(s.kinds.items()))
    ]


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        prog="python -m bench.fresh",
        description=__doc__.splitlines()[0],
        corpus_label="fresh corpus",
        build_corpus=build_corpus,
        seed=SEED,
        policy_names=POLICIES,
        extra_summary=style_summary,
    )


if __name__ == "__main__":
    raise SystemExit(main())
