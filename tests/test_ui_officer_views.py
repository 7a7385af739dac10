"""The officer's views in real headless Chromium, at phone width (420 px) and at desktop width.

Tenant search, the per-tenant dashboard, date-time filters, "what left the
site" and the data-subject search, each checked for what it shows and for a
page that does not scroll sideways; screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright import sync_api as playwright_sync

from gateway.keys import create_key
from gateway.pipeline.detect import Detector
from tests.support.browser import chromium, new_page, page_width, shot, sign_in
from tests.support.cli import audit_env, gateway
from tests.support.review import CARD, ReviewGateway, events, review_gateway

EMAIL = "jana.novak@example.org"
NORTH = "North-Ward_7"
WIDTHS = {"phone": 420, "desktop": 1360}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, detector: Detector) -> Iterator[ReviewGateway]:
    with review_gateway(tmp_path_factory.mktemp("officer-ui"), detector) as gateway:
        north = create_key(gateway.services.engine, NORTH, "healthcare", ["*"])
        other = create_key(gateway.services.engine, "100% Care", "healthcare", ["*"])
        gateway.inspect("healthcare", f"Please e-mail {EMAIL} her lab results.")
        gateway.inspect("healthcare", f"Send the discharge letter to {EMAIL.upper()}.", north)
        gateway.inspect("healthcare", f"Charge card {CARD} for the parking.", north)
        gateway.inspect("healthcare", "Contact jan.novak@example.org about the visit.", other)
        yield gateway


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def fits(page: object, width: int) -> None:
    assert page_width(page) <= width, f"the page is {page_width(page)} px wide in a {width} px window"


def email_records(gw: ReviewGateway) -> set[str]:
    return {r["id"] for r in gw.records if EMAIL in r["text"].lower()}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_officer_views_at_phone_and_desktop_width(browser: object, gw: ReviewGateway, device: str) -> None:
    width = WIDTHS[device]
    page, problems = new_page(browser, gw.base, width=width)
    sign_in(page, gw.base, "olga-officer")
    page.wait_for_selector("#chain-status")
    fits(page, width)
    shot(page, f"officer-{device}-01-overview.png")

    # Records: a tenant substring in any case and a date-time window (UTC).
    page.goto(f"{gw.base}/ui#/records")
    page.wait_for_selector("#records-body tr")
    page.fill("#f-tenant", "north-WARD")
    page.fill("#f-since", (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-until", (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#apply-filters")
    page.wait_for_url("**tenant_contains=north-WARD**")
    playwright_sync.expect(page.locator("#records-body tr")).to_have_count(2)
    assert set(page.locator("#records-body tr td:nth-child(3)").all_inner_texts()) == {NORTH}
    fits(page, width)
    shot(page, f"officer-{device}-02-records-filtered.png")
    # A window that ended an hour ago holds none of them.
    page.fill("#f-until", (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-since", (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#apply-filters")
    page.wait_for_selector("text=No records match these filters.")

    # Tenants: "_" is a literal underscore, not a wildcard.
    page.click('[data-nav="tenants"]')
    page.wait_for_selector("#tenants")
    page.fill("#tenant-q", "ward_")
    page.click("#tenant-search-submit")
    page.wait_for_url("**q=ward_**")
    playwright_sync.expect(page.locator("#tenants tbody tr")).to_have_count(1)
    assert page.inner_text("#tenants tbody").split()[0] == NORTH
    shot(page, f"officer-{device}-03-tenants.png")

    # The tenant's dashboard: decisions over time, top rules, blocked requests.
    page.click(f'#tenants a:text-is("{NORTH}")')
    page.wait_for_selector("#tenant-dashboard svg.chart")
    assert page.inner_text("#tenant-name") == NORTH
    assert page.inner_text('#tenant-tiles [data-decision="block"] .num') == "1"
    assert page.inner_text('#tenant-tiles [data-decision="route_local"] .num') == "1"
    rules = page.inner_text("#top-rules")
    assert "pci-pan-block" in rules and "hipaa-identifiers-local" in rules
    playwright_sync.expect(page.locator("#tenant-blocked tbody tr")).to_have_count(1)
    assert "CREDIT_CARD" in page.inner_text("#tenant-blocked") and CARD not in page.content()
    fits(page, width)
    shot(page, f"officer-{device}-04-tenant-dashboard.png")
    # The same dashboard for a period that ended before these records were written.
    page.fill("#t-since", (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#t-until", (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#tenant-period-submit")
    page.wait_for_selector("#tenant-blocked-none")
    assert page.inner_text('#tenant-tiles [data-decision="block"] .num') == "0"
    page.go_back()
    page.wait_for_selector("#tenant-blocked")

    # What left the site, for that tenant, from the dashboard's link (the last 30 days by default).
    page.click("#tenant-report")
    page.wait_for_selector("#report-form")
    assert page.input_value("#r-tenant") == NORTH
    page.click("#report-submit")
    page.wait_for_selector("#report-tiles")
    counts = {d: page.inner_text(f'#report-tiles [data-dest="{d}"] .num') for d in ("total", "cloud", "blocked")}
    assert counts == {"total": "2", "cloud": "0", "blocked": "1"}
    assert page.inner_text('#report-tiles [data-dest="inspected_only"] .num') == "1"
    assert "verified intact" in page.inner_text("#report-chain")
    assert page.locator('#report-rules tr[data-rule="pci-pan-block"]').count() == 1
    fits(page, width)
    shot(page, f"officer-{device}-05-what-left-the-site.png")

    # Data-subject search: exactly the two records that held the address, whatever its case.
    before = len(events(gw.services, "subject_search"))
    page.click('[data-nav="subjects"]')
    page.wait_for_selector("#subject-form")
    page.fill("#subject-value", f"  {EMAIL.title()} ")
    page.fill("#subject-reason", "DSR-2041")
    page.click("#subject-submit")
    page.wait_for_selector("#subject-records")
    found = set(page.locator("#subject-records tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)"))
    assert found == email_records(gw) and len(found) == 2
    assert "2 records held this value" in page.inner_text("#subject-count")
    assert EMAIL not in page.url.lower() and page.input_value("#subject-value") == ""
    fits(page, width)
    shot(page, f"officer-{device}-06-data-subject-search.png")
    searches = events(gw.services, "subject_search")
    assert len(searches) == before + 1 and searches[-1]["details"]["matched"] == 2
    assert problems == []


def test_an_auditor_sees_no_data_subject_search(browser: object, gw: ReviewGateway) -> None:
    page, problems = new_page(browser, gw.base, width=WIDTHS["phone"])
    sign_in(page, gw.base, "arno-auditor")
    assert page.locator("#nav-subjects").is_hidden()
    page.goto(f"{gw.base}/ui#/subjects")
    page.wait_for_selector("#subjects-denied")
    assert page.locator("#subject-form").count() == 0
    assert problems == []


def test_the_searches_and_reports_leave_the_chain_intact(browser: object, gw: ReviewGateway) -> None:
    """Run after the views above: ``gateway audit verify`` on the trail they wrote events into."""
    assert events(gw.services, "subject_search") and events(gw.services, "site_report")
    settings = gw.services.settings
    env = audit_env(settings.data_dir, settings.resolved_database_url, settings.resolved_master_key_file)
    verify = gateway(env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "audit trail intact" in verify.stdout
