"""A data set larger than the memory the scanning process may use is scanned and cleaned (it streams).

The process runs under an address-space limit (``resource.RLIMIT_AS``) smaller
than the data set; the same limit makes reading the file whole fail, so the
limit binds. Rows are tokenised training rows (``input_ids``) with a text,
every ``EVERY``-th one holding an SSN.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from tests.support.datasets import write_training_policy

LIMIT_MB = 640  # the detector's process peaks near 470 MB of address space before reading any row
DATASET_MB = 680
EVERY = 1000
SSN = "219-09-9999"

_UNDER_LIMIT = """
import resource, sys
limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if sys.argv[2] == "read-whole":
    try:
        open(sys.argv[3], "rb").read()
    except MemoryError:
        sys.exit(99)
    sys.exit(0)
from gateway.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _write(path: Path) -> int:
    rnd = random.Random(7)
    ids = json.dumps([rnd.randrange(50_000) for _ in range(8_000)])
    rows = 0
    with path.open("w") as handle:
        while handle.tell() < DATASET_MB << 20:
            text = f"My SSN is {SSN}" if rows % EVERY == 0 else "Summarise the ward's visiting hours."
            handle.write(f'{{"id": {rows}, "text": "{text}", "input_ids": {ids}}}\n')
            rows += 1
    return rows


def _under_limit(tmp: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp / "gw"), "GATEWAY_POLICY_DIR": str(tmp / "policies")}
    return subprocess.run(
        [sys.executable, "-c", _UNDER_LIMIT, str(LIMIT_MB), *map(str, args)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_a_data_set_larger_than_memory_is_scanned_and_cleaned(tmp_path: Path) -> None:
    write_training_policy(tmp_path / "policies")
    data = tmp_path / "tokenised.jsonl"
    rows = _write(data)
    assert data.stat().st_size > LIMIT_MB << 20
    assert _under_limit(tmp_path, "read-whole", data).returncode == 99  # the limit binds: the file does not fit

    clean, report = tmp_path / "clean.jsonl", tmp_path / "report.json"
    args = ("dataset", "scan", data, "--policy", "training", "--workers", "1", "--clean", clean, "--report", report)
    done = _under_limit(tmp_path, *args)
    assert done.returncode == 3, done.stderr[-3000:]

    result = json.loads(report.read_text())
    planted = len(range(0, rows, EVERY))
    assert (result["rows"], result["rows_flagged"]) == (rows, planted)
    assert result["entity_counts"] == {"US_SSN": planted}
    with data.open("rb") as before, clean.open("rb") as after:
        changed = 0
        for number, (old, new) in enumerate(zip(before, after, strict=True)):
            if number % EVERY == 0:
                assert SSN.encode() not in new and b"[US_SSN]" in new
                changed += 1
            else:
                assert new == old
    assert changed == planted
