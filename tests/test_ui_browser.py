"""The reviewers' web interface in real headless Chromium (Debian's ``chromium``, driven by Playwright).

An officer signs in, filters the records, opens one, decrypts it with a
justification and exports; an auditor sees the same record with its values
masked and no way to decrypt. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright_sync

from gateway.pipeline.detect import Detector
from tests.support.browser import chromium, new_page, shot, sign_in
from tests.support.review import NAME, PASSWORD, SSN, ReviewGateway, events, review_gateway

JUSTIFICATION = "Incident INC-2041: confirm which patient identifiers reached the model."


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, detector: Detector) -> Iterator[ReviewGateway]:
    with review_gateway(tmp_path_factory.mktemp("review-ui"), detector) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def test_officer_signs_in_filters_opens_decrypts_and_exports(browser: object, gw: ReviewGateway) -> None:
    page, problems = new_page(browser, gw.base)
    page.goto(f"{gw.base}/ui")
    page.wait_for_selector("#signin-form")
    page.fill("#username", "olga-officer")
    page.fill("#password", "not the password")
    page.click("#signin-submit")
    page.wait_for_selector("#signin-error .alert")
    assert "Wrong username or password" in page.inner_text("#signin-error")
    shot(page, "01-sign-in.png")

    page.fill("#password", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_selector("svg.chart")
    page.wait_for_selector("#chain-status")
    assert "intact" in page.inner_text("#chain-status").lower()
    assert page.inner_text("#chain-badge").startswith("Chain verified")
    shot(page, "02-overview.png")

    # Records: filter on the route_local decision.
    page.click('[data-nav="records"]')
    page.wait_for_selector("#records-body tr")
    assert page.locator("#records-body tr").count() == len(gw.records)
    page.select_option("#f-decision", "route_local")
    page.click("#apply-filters")
    # Locator waits, not wait_for_function: the page's CSP forbids the eval that the latter polls with.
    page.wait_for_url("**decision=route_local**")
    expected_rows = sum(1 for r in gw.records if r["decision"] == "route_local")
    playwright_sync.expect(page.locator("#records-body tr")).to_have_count(expected_rows)
    badges = page.locator("#records-body .badge").all_inner_texts()
    assert badges and all(b.strip().lower() == "route local" for b in badges)
    shot(page, "03-records-filtered.png")

    # Export the filtered list as CSV.
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    exported = Path(download.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["decision"] for row in rows} == {"route_local"} and rows
    assert SSN not in exported and NAME not in exported

    # Open the healthcare record with the SSN: rules explained, values masked.
    record = next(r for r in gw.records if r["policy"] == "healthcare" and r["decision"] == "route_local")
    page.click(f'#records-body tr[data-id="{record["id"]}"]')
    page.wait_for_selector("#masked-prompt")
    rules = page.inner_text("#rules")
    assert "hipaa-identifiers-local" in rules and "45 CFR 164.514(b)(2)" in rules
    assert "Protected health information" in rules
    assert SSN not in page.content() and NAME not in page.content()
    assert "US_SSN" in page.inner_text("#masked-prompt")
    assert "/messages/0/content" in page.inner_text("#findings")  # each finding says which string it was in
    shot(page, "04-record-masked.png")

    # Decrypt with a justification: the prompt appears with each finding highlighted by type.
    page.fill("#justification", JUSTIFICATION)
    page.click("#decrypt-submit")
    page.wait_for_selector("#decrypted-prompt")
    ssn_marks = page.locator('#decrypted-prompt mark[data-entity="US_SSN"]')
    assert ssn_marks.count() == 1
    assert ssn_marks.first.inner_text().startswith(SSN)  # the value, then its type tag
    shown = page.eval_on_selector(
        "#decrypted-prompt pre.prompt",
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.tag').forEach(t => t.remove());"
        " return c.textContent; }",
    )
    assert shown == record["text"]  # the whole prompt, exactly as sent, around the highlights
    page.wait_for_selector("#record-disclosures table")
    assert "olga-officer" in page.inner_text("#record-disclosures")
    assert JUSTIFICATION in page.inner_text("#record-disclosures")
    shot(page, "05-record-decrypted.png")

    views = [e for e in events(gw.services, "payload_view") if e["record_id"] == record["id"]]
    assert [v["details"]["justification"] for v in views] == [JUSTIFICATION]

    page.click('[data-nav="disclosures"]')
    page.wait_for_selector("#disclosures table")
    assert JUSTIFICATION in page.inner_text("#disclosures")
    shot(page, "06-disclosures.png")
    assert problems == []


def test_auditor_sees_masked_values_and_cannot_decrypt(browser: object, gw: ReviewGateway) -> None:
    page, problems = new_page(browser, gw.base)
    sign_in(page, gw.base, "arno-auditor")
    record = next(r for r in gw.records if r["decision"] == "block")
    page.goto(f"{gw.base}/ui#/records/{record['id']}")
    page.wait_for_selector("#decrypt-denied")
    assert page.locator("#decrypt-form").count() == 0
    assert "CREDIT_CARD" in page.inner_text("#masked-prompt")
    assert "4111111111111111" not in page.content()
    shot(page, "07-auditor-record.png")
    page.click("#sign-out")
    page.wait_for_selector("#signin-form")
    assert problems == []


def test_admin_creates_a_reviewer_from_the_reviewers_page(browser: object, gw: ReviewGateway) -> None:
    page, problems = new_page(browser, gw.base)
    sign_in(page, gw.base, "ada-admin")
    page.click('[data-nav="reviewers"]')
    page.wait_for_selector("#reviewer-form")
    page.fill('#reviewer-form input[name="username"]', "nina-new")
    page.select_option('#reviewer-form select[name="role"]', "officer")
    page.fill('#reviewer-form input[name="password"]', PASSWORD)
    page.click('#reviewer-form button[type="submit"]')
    page.wait_for_selector("text=nina-new")
    row = page.locator("tr", has_text="nina-new").inner_text().lower()
    assert "officer" in row and "active" in row
    shot(page, "08-reviewers.png")
    assert problems == []
