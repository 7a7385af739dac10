"""A data set scan leaves one ``dataset_scan`` event in the audit chain, listed by the review API and UI."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from gateway.cli import main
from gateway.pipeline.detect import Detector
from tests.support.datasets import write_csv, write_training_policy
from tests.support.review import ReviewGateway, review_gateway
from tests.test_ui_browser import browser, new_page, sign_in  # noqa: F401  (the browser fixture)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, detector: Detector) -> Iterator[tuple[ReviewGateway, dict]]:
    root = tmp_path_factory.mktemp("dataset-events")
    with review_gateway(root / "gw", detector) as gw, pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_DATA_DIR", str(root / "gw"))
        patch.setenv("GATEWAY_POLICY_DIR", str(root / "policies"))
        write_training_policy(root / "policies")
        data = write_csv(root / "train.csv")
        report = root / "report.json"
        args = ["dataset", "scan", str(data.path), "--policy", "training", "--report", str(report), "--workers", "1"]
        assert main([*args, "--actor", "mlops:pipeline-7"]) == 3
        yield gw, json.loads(report.read_text())


def test_the_event_is_listed_with_hash_counts_and_policy(scanned: tuple[ReviewGateway, dict]) -> None:
    gw, report = scanned
    auditor = gw.sign_in("arno-auditor")
    body = auditor.get("/review/api/events", params={"kind": "dataset_scan"}).json()
    (event,) = body["events"]
    assert body["next_cursor"] is None
    assert (event["kind"], event["actor"], event["record_id"]) == ("dataset_scan", "mlops:pipeline-7", None)
    details = event["details"]
    assert details["dataset_sha256"] == report["dataset"]["sha256"]
    assert details["files"] == [{"name": "train.csv", "sha256": report["dataset"]["sha256"], "rows": report["rows"]}]
    assert (details["rows"], details["rows_flagged"], details["findings"]) == (
        report["rows"], report["rows_flagged"], report["findings"],
    )  # fmt: skip
    assert (details["policy"], details["policy_version"]) == ("training", report["policy"]["version"])
    assert details["entity_counts"] == report["entity_counts"]
    assert "219-09-9999" not in json.dumps(event)
    every = auditor.get("/review/api/events").json()["events"]
    assert event["id"] in [e["id"] for e in every]
    assert auditor.get("/review/api/events", params={"kind": "Not A Kind"}).status_code == 400
    assert httpx.get(f"{gw.base}/review/api/events").status_code == 401
    assert auditor.get("/review/api/verify").json()["ok"] is True  # the event is a link of the one chain


def test_the_events_page_shows_the_scan(scanned: tuple[ReviewGateway, dict], browser: object) -> None:  # noqa: F811
    gw, report = scanned
    page, problems = new_page(browser, gw.base)
    sign_in(page, gw.base, "arno-auditor")
    page.click('[data-nav="events"]')  # type: ignore[attr-defined]
    page.wait_for_selector('#events tr[data-kind="dataset_scan"]')  # type: ignore[attr-defined]
    row = page.inner_text('#events tr[data-kind="dataset_scan"]')  # type: ignore[attr-defined]
    assert "train.csv" in row and "mlops:pipeline-7" in row and "policy training" in row
    assert f"{report['rows_flagged']} flagged" in row
    page.select_option("#event-kind", "payload_view")  # type: ignore[attr-defined]
    page.wait_for_selector("#events .empty")  # type: ignore[attr-defined]
    assert problems == []
