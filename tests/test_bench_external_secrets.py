"""The secrets benchmark runner: cases built from a tiny sample, verdicts tallied, the real run's table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.external import REPO_ROOT, Rate, Verdict, masked
from bench.external.secrets import PROSE, build_cases, score

META = {"kind": "meta", "source": "github:example/rules", "commit": "0123456789", "sentence_prefix": "Config: "}
GITHUB_PAT = "ghp_" + "R2d7Kq9LmX4vTz8WbN3pYc6HsJ1fGa5eUo0i"
ROWS = [
    {"kind": "secret", "rule": "github-pat", "family": "GitHub", "secret": GITHUB_PAT,
     "original": {"text": f"export GITHUB_TOKEN={GITHUB_PAT}\n", "start": 20, "end": 20 + len(GITHUB_PAT)}},
    {"kind": "secret", "rule": "vendor-token", "family": "other providers", "secret": "q7w8e9r0t1y2u3i4",
     "original": None},
    {"kind": "fp", "rule": "github-pat", "text": "ghp_" + "x" * 36},
    {"kind": "fp", "rule": "unknown-rule", "text": "the build finished in 3 minutes"},
]  # fmt: skip


def test_build_cases_variants_and_spans() -> None:
    cases = build_cases(META, ROWS)
    variants = [(c.rule, c.variant) for c in cases]
    assert variants == [
        ("github-pat", "bare"), ("github-pat", "config"), ("github-pat", "prose"), ("github-pat", "original"),
        ("vendor-token", "bare"), ("vendor-token", "config"), ("vendor-token", "prose"),
        ("github-pat", "fp"), ("unknown-rule", "fp"),
    ]  # fmt: skip
    for case in cases:
        if case.span is not None:
            assert case.text[case.span[0] : case.span[1]] in {GITHUB_PAT, "q7w8e9r0t1y2u3i4"}
    assert cases[1].text == "Config: " + GITHUB_PAT
    assert cases[2].text == PROSE.format(secret=GITHUB_PAT)
    assert [c.family for c in cases if c.kind == "fp"] == ["GitHub", "other providers"]  # rule's family, or default


class _ByText:
    """An engine that is a function of the text: the verdicts of the scoring test, fixed in advance."""

    name = "fixed"

    def __init__(self, verdicts: dict[str, Verdict]) -> None:
        self._verdicts = verdicts

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        return [self._verdicts.get(text, Verdict(0, 4)) for text in texts]


def test_score_counts_strict_catches_and_any_flag() -> None:
    cases = build_cases(META, ROWS)
    pat_span = ((0, len(GITHUB_PAT)),)
    engine = _ByText(
        {
            GITHUB_PAT: Verdict(4, 4, pat_span),  # caught and located
            "Config: " + GITHUB_PAT: Verdict(3, 4),  # one policy lets it through: not caught
            ROWS[0]["original"]["text"]: Verdict(4, 4, ((0, 6),)),  # caught, but elsewhere in the text
            "ghp_" + "x" * 36: Verdict(1, 4),  # one policy blocks a negative: flagged
        }
    )
    scores = score(engine, cases)
    assert str(scores.overall("bare")) == str(Rate(1, 2))
    assert scores.overall("config").hits == 0
    assert scores.overall("original").hits == 1
    assert scores.located["bare"] == Rate(1, 1)
    assert scores.located["original"] == Rate(0, 1)
    assert scores.fp_overall() == Rate(1, 2)
    assert scores.false_positives["GitHub"] == Rate(1, 1)
    assert len(scores.misses) == 5  # config, prose of the PAT; bare, config, prose of the vendor token


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ghp_Ab12", "xxx_xx12"), ("AKIA0000", "xxxx##00"), ("a:b\nc", "x:b\u23cec"), ("", "")],
)
def test_masked(value: str, expected: str) -> None:
    assert masked(value) == expected


def test_runner_end_to_end_on_a_tiny_sample(tmp_path: Path) -> None:
    """The real runner, our real detector and detect-secrets, on four rows written here."""
    data = tmp_path / "gitleaks_cases.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in [META, *ROWS]) + "\n", encoding="utf-8")
    env = {**os.environ, "BENCH_EXTERNAL_DATA": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "bench.external.secrets", "--engines", "ours,detect-secrets,no-such-engine"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 2 and "no-such-engine" in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "bench.external.secrets", "--engines", "ours,detect-secrets", "--show-misses"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "2 true positives, 2 false positives" in out
    ours = next(line for line in out.splitlines() if line.startswith("| ours |"))
    # The PAT is caught bare, after "Config: ", in prose and in its export line; the bare 16-character
    # vendor value has no format to be known by; neither negative is blocked.
    assert ours.split(" | ")[1:6] == ["0.500 (1/2)", "0.500 (1/2)", "0.500 (1/2)", "1.000 (1/1)", "0.000 (0/2)"]
    assert "| detect-secrets |" in out
    assert GITHUB_PAT not in out and "q7w8e9r0t1y2u3i4" not in out  # misses are printed masked
