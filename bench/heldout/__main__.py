"""Score our Detector and a vanilla Presidio AnalyzerEngine on the held-out corpus.

Usage: ``python -m bench.heldout [--show-misses] [--seed N] [--no-vanilla]``

Expected decisions come from ``bench.heldout.corpus.expected_decision`` (the rules of POLICY_REFERENCE.md).
Scoring, metrics and the report (how a finding is matched, what a leak is, how snippets are masked) are
shared with the other labelled-corpus runner: see ``bench.scoring``.
"""

from __future__ import annotations

from bench.offline import go_offline

go_offline("bench.heldout")

from bench.heldout.corpus import POLICIES, SEED, build_corpus  # noqa: E402
from bench.scoring import run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        prog="python -m bench.heldout",
        description=__doc__.splitlines()[0],
        corpus_label="held-out corpus",
        build_corpus=build_corpus,
        seed=SEED,
        policy_names=POLICIES,
    )


if __name__ == "__main__":
    raise SystemExit(main())
