"""Headless Chromium (Debian's ``chromium``, driven by Playwright) for the review UI tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright import sync_api as playwright_sync

from tests.support.review import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"  # gitignored


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's chromium, headless, for one test module (each defines its ``browser`` fixture with it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/install.sh test")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser: object, base: str, width: int = 1360, height: int = 900) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)  # type: ignore[attr-defined]
    # Any request that leaves the gateway fails the test: nothing may come from the internet.
    outside: list[str] = []

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(base):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard)
    page = context.new_page()
    problems: list[str] = outside

    def console(msg: object) -> None:
        # A 401 before sign-in (and for a wrong password) is expected; Chromium logs it as an error.
        text = msg.text  # type: ignore[attr-defined]
        if msg.type == "error" and "status of 401" not in text:  # type: ignore[attr-defined]
            problems.append(f"console error: {text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return page, problems


def shot(page: object, name: str) -> None:
    """A full-page screenshot from the top (the sticky header would otherwise sit mid-page)."""
    page.evaluate("window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)  # type: ignore[attr-defined]


def sign_in(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/ui")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("#signin-submit")  # type: ignore[attr-defined]
    page.wait_for_selector("svg.chart")  # type: ignore[attr-defined]


def page_width(page: object) -> int:
    """How wide the document is laid out: wider than the viewport means the page scrolls sideways."""
    return int(page.evaluate("document.documentElement.scrollWidth"))  # type: ignore[attr-defined]
