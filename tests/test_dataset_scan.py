"""``gateway dataset scan`` on generated data sets in every format, with the real detector and a real audit store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, select

from gateway.cli import main
from gateway.dataset.csvfile import _records
from gateway.db import audit_events
from tests.support.datasets import CLEAN, LOOK_ALIKES, PLANTED, WRITERS, Dataset, write_jsonl, write_training_policy

Run = Callable[..., int]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path / "gw"))
    monkeypatch.setenv("GATEWAY_POLICY_DIR", str(tmp_path / "policies"))
    write_training_policy(tmp_path / "policies")
    return tmp_path


def _scan(*args: str | Path) -> int:
    return main(["dataset", "scan", *map(str, args), "--workers", "1"])


def _stored_rows(path: Path, fmt: str) -> list[Any]:
    """Each row as stored: its bytes (JSONL, CSV) or its values (Parquet)."""
    if fmt == "jsonl":
        return [line for line in path.read_bytes().splitlines(keepends=True) if line.strip()]
    if fmt == "csv":
        with path.open("rb") as handle:
            return [raw for raw, _ in _records(handle)][1:]
    return pq.read_table(path).to_pylist()


def _text(path: Path, fmt: str) -> str:
    return json.dumps(pq.read_table(path).to_pylist()) if fmt == "parquet" else path.read_text(encoding="utf-8")


def _events(data_dir: Path) -> list[dict[str, Any]]:
    engine = create_engine(f"sqlite:///{data_dir / 'audit.db'}")
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.kind == "dataset_scan"))
        found = [dict(row._mapping) for row in rows]
    engine.dispose()
    return found


def _long_values(data: Dataset) -> list[str]:
    return [v for v in data.values if len(v) >= 8]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_planted_value_is_counted_and_cleaned(env: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = WRITERS[fmt](env / f"train.{fmt}")
    report, clean = env / "report.json", env / f"clean.{fmt}"

    assert _scan(data.path, "--policy", "training", "--report", report, "--clean", clean) == 3

    result = json.loads(report.read_text())
    assert result["rows"] == data.rows
    assert result["entity_counts"] == dict(data.expected)
    assert result["findings"] == sum(data.expected.values())
    assert result["rows_flagged"] == len(data.flagged_rows)
    assert len(result["decisions"]) == data.rows
    assert {i for i, d in enumerate(result["decisions"]) if d != "allow"} == data.flagged_rows
    blocked = {i for i, (entity, _, _) in enumerate(PLANTED) if entity in {"SECRET", "CREDIT_CARD"}}
    assert {i for i, d in enumerate(result["decisions"]) if d == "block"} == blocked
    assert result["dataset"]["sha256"] == hashlib.sha256(data.path.read_bytes()).hexdigest()
    assert result["policy"]["name"] == "training" and result["policy"]["version"].startswith("sha256:")
    assert result["detector_version"].startswith("sha256:")
    assert sum(result["field_counts"].values()) == result["findings"]
    assert result["examples"] and all({"row", "field", "start", "end"} <= set(e) for e in result["examples"])

    # The cleaned copy: same rows, no planted value, a typed placeholder for each, look-alikes kept.
    original, cleaned = _stored_rows(data.path, fmt), _stored_rows(clean, fmt)
    assert len(cleaned) == len(original) == data.rows
    copy = _text(clean, fmt)
    for text in LOOK_ALIKES + CLEAN:
        assert text in copy
    for entity, _, _ in PLANTED:
        assert f"[{entity}]" in copy
    besides_look_alikes = copy
    for text in LOOK_ALIKES:  # "ticket 111222333 closed" holds the BSN's digits with no context: it stays
        besides_look_alikes = besides_look_alikes.replace(text, "")
    for value in data.values:
        assert value not in besides_look_alikes
    with_findings = {e["row"] for e in result["examples"]} | data.flagged_rows
    for i, (before, after) in enumerate(zip(original, cleaned, strict=True)):
        if i not in with_findings:
            assert after == before, f"row {i} was changed"
        else:
            assert after != before
    if fmt == "parquet":
        assert pq.read_schema(clean) == pq.read_schema(data.path)

    # Neither the report, its page nor the audit event holds a value.
    page = report.with_suffix(".html").read_text()
    assert "<svg" in page and "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    for value in _long_values(data):
        assert value not in report.read_text() and value not in page
    (event,) = _events(env / "gw")
    details = event["details"]
    assert details["dataset_sha256"] == result["dataset"]["sha256"]
    assert (details["rows"], details["rows_flagged"], details["policy"]) == (
        data.rows,
        len(data.flagged_rows),
        "training",
    )
    assert details["entity_counts"] == dict(data.expected)
    assert event["actor"].startswith("cli:")
    for value in _long_values(data):
        assert value not in json.dumps(details)
    assert "rows" in capsys.readouterr().err  # plain progress lines when not on a terminal


def test_drop_leaves_flagged_rows_out_and_the_others_as_stored(env: Path) -> None:
    data = write_jsonl(env / "train.jsonl")
    clean = env / "kept.jsonl"
    assert _scan(data.path, "--policy", "training", "--clean", clean, "--drop") == 3
    original = _stored_rows(data.path, "jsonl")
    assert _stored_rows(clean, "jsonl") == [row for i, row in enumerate(original) if i not in data.flagged_rows]


def test_a_clean_data_set_exits_0_and_its_copy_is_identical(env: Path) -> None:
    path = env / "clean.jsonl"
    rows = [{"prompt": text, "completion": CLEAN[0]} for text in LOOK_ALIKES + CLEAN]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert _scan(path, "--policy", "training", "--clean", env / "copy.jsonl", "--report", env / "r.json") == 0
    assert (env / "copy.jsonl").read_bytes() == path.read_bytes()
    report = json.loads((env / "r.json").read_text())
    assert (report["rows"], report["rows_flagged"], report["findings"]) == (len(rows), 0, 0)
    assert set(report["decisions"]) == {"allow"}


def test_field_picks_what_is_scanned(env: Path) -> None:
    data = WRITERS["csv"](env / "train.csv")
    assert _scan(data.path, "--policy", "training", "--field", "note", "--report", env / "note.json") == 0
    assert json.loads((env / "note.json").read_text())["findings"] == 0  # look-alikes and prose only
    assert _scan(data.path, "--policy", "training", "--field", "text", "--report", env / "text.json") == 3
    assert json.loads((env / "text.json").read_text())["entity_counts"] == dict(data.expected)


def test_nested_field_of_a_jsonl_row(env: Path) -> None:
    data = write_jsonl(env / "train.jsonl")
    assert _scan(data.path, "--policy", "training", "--field", "meta.extra", "--report", env / "r.json") == 3
    report = json.loads((env / "r.json").read_text())
    assert report["entity_counts"] == {"EMAIL_ADDRESS": 1}
    assert report["field_counts"] == {"meta.extra.contact": 1}


def _error(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    assert _scan(*args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ")
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_bad_input_is_one_clear_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = env / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": broken\n')
    report, clean = env / "r.json", env / "c.jsonl"
    assert "line 2 is not valid JSON" in _error(
        capsys, bad, "--policy", "training", "--report", report, "--clean", clean
    )
    assert not report.exists() and not clean.exists() and not list(env.glob(".*partial"))
    assert "no such file" in _error(capsys, env / "missing.jsonl", "--policy", "training")
    (env / "notes.txt").write_text("hello\n")
    assert "--format" in _error(capsys, env / "notes.txt", "--policy", "training")
    assert "not a Parquet file" in _error(capsys, env / "notes.txt", "--policy", "training", "--format", "parquet")
    data = WRITERS["csv"](env / "train.csv")
    assert "no field 'body'" in _error(capsys, data.path, "--policy", "training", "--field", "body")
    fine = env / "fine.jsonl"
    fine.write_text('{"text": "fine"}\n')
    assert "no row has the field 'body'" in _error(capsys, fine, "--policy", "training", "--field", "body")
    ragged = env / "ragged.csv"
    ragged.write_text("id,text\n1,hello\n2,too,many\n")
    assert "line 3 has 3 fields" in _error(capsys, ragged, "--policy", "training")
    assert "unknown policy" in _error(capsys, data.path, "--policy", "nope")
    assert "--drop goes with --clean" in _error(capsys, data.path, "--policy", "training", "--drop")
    assert not (env / "gw" / "audit.db").exists()  # nothing was scanned, nothing recorded


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    import io

    from gateway.dataset.progress import Progress

    terminal = io.StringIO()
    bar = Progress(terminal, bar=True)
    bar.start(1000)
    bar.advance(400)
    bar.close()
    assert "400/1.00k" in terminal.getvalue() and "rows/s" in terminal.getvalue()
    log = io.StringIO()
    lines = Progress(log, bar=False)
    lines.start(1000)
    lines.advance(1000)
    assert log.getvalue().startswith("scanned 1,000/1,000 rows (100%)") and "ETA" in log.getvalue()
