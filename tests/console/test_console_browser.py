"""The console in a real browser: the system's Chromium driven by Playwright against ``hub console``
serving a real ledger. Log in by keyboard, see the rejected file on Today, open it, find its problem
on line N; a viewer is offered no action; an operator uploads a corrected file, sees the preview,
confirms, and sees it delivered with the audit entry. Takes the README's screenshots
(docs/console-today.png, docs/console-rejected-file.png, docs/console-preview.png)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import HUB
from console_setup import PASSWORD, SAMPLE_NOW, Hub, make_hub

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The README's screenshots are refreshed with HUB_SCREENSHOTS=docs; otherwise they go to a temporary folder.
DOCS = Path(os.environ.get("HUB_SCREENSHOTS") or tempfile.mkdtemp(prefix="console-shots-"))

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),  # in CI a missing Chromium fails
    reason="needs the system's Chromium (.ci/run installs it: apt-get install chromium)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    hub = make_hub(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [str(HUB), "console", "--port", str(port)],
        cwd=hub.work.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else ""
                    raise RuntimeError(f"hub console did not start: {output}") from None
                time.sleep(0.1)
        yield hub, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_log_in_see_the_rejected_file_open_it_and_find_its_problem(served: tuple[Hub, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    hub, url = served
    line, rule = hub.first_problem["line"], hub.first_problem["rule"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url + "/")
            expect(page.get_by_role("heading", name="Log in")).to_be_visible()
            # by keyboard only: the name field has the focus, Tab to the password, Enter sends
            expect(page.get_by_label("User name")).to_be_focused()
            page.keyboard.type("vic")
            page.keyboard.press("Tab")
            expect(page.get_by_label("Password")).to_be_focused()
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")

            expect(page.get_by_role("heading", name="Today", exact=False).first).to_be_visible()
            expect(page.get_by_role("link", name="1 rejected").first).to_be_visible()
            DOCS.mkdir(exist_ok=True)
            page.screenshot(path=str(DOCS / "console-today.png"), full_page=True)

            page.get_by_role("link", name="1 rejected").first.click()
            expect(page.get_by_role("heading", name="Files")).to_be_visible()
            page.get_by_role("link", name="route-south.csv").click()

            expect(page.get_by_role("heading", name="route-south.csv", exact=False)).to_be_visible()
            row = page.locator("table.problems tbody tr").filter(
                has=page.locator("td:first-child", has_text=str(line))
            )
            expect(row).to_have_count(1)
            expect(row.locator("td").nth(3)).to_have_text(rule)
            page.screenshot(path=str(DOCS / "console-rejected-file.png"), full_page=True)
            # a viewer reads and downloads the error report, and is offered no action
            expect(page.get_by_role("link", name="Error report of the last run (CSV)")).to_be_visible()
            expect(page.get_by_role("heading", name="Actions")).to_have_count(0)
            expect(page.get_by_role("button", name="Reprocess", exact=False)).to_have_count(0)
            expect(page.get_by_role("button", name="Mark as resolved elsewhere…")).to_have_count(0)

            page.get_by_label("Search the problems").fill(rule)
            page.get_by_label("Search the problems").press("Enter")
            expect(page.locator("table.problems tbody tr")).to_have_count(1)  # each rule broken once

            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("heading", name="Log in")).to_be_visible()
            page.goto(url + "/files")
            expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        finally:
            browser.close()


def test_an_operator_uploads_a_corrected_file_confirms_and_sees_it_delivered(
    served: tuple[Hub, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from hub.engine.sample import meter_reads_csv

    hub, url = served
    corrected = tmp_path / "upload" / "route-south-fixed.csv"
    corrected.parent.mkdir()
    corrected.write_bytes(
        meter_reads_csv(200, seed=3, now=SAMPLE_NOW)
    )  # the rejected file without its bad rows
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url + "/")
            page.get_by_label("User name").fill("otto")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("link", name="1 rejected").first.click()
            page.get_by_role("link", name="route-south.csv").click()
            expect(page.get_by_role("heading", name="Actions")).to_be_visible()

            page.get_by_label("Corrected file").set_input_files(str(corrected))
            page.get_by_label("Comment (optional)").nth(2).fill("five reads re-keyed from the route sheet")
            page.get_by_role("button", name="Reprocess with a corrected file…").click()

            expect(
                page.get_by_role("heading", name="Confirm: Reprocess with a corrected file")
            ).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("200 transactions will be delivered to the CIS.")
            expect(page.locator("dl.preview dd").nth(1)).to_have_text("0")  # rows rejected
            page.screenshot(path=str(DOCS / "console-preview.png"), full_page=True)
            page.get_by_role("button", name="Confirm: Reprocess with a corrected file").click()

            expect(page.get_by_role("heading", name="route-south-fixed.csv", exact=False)).to_be_visible()
            expect(page.locator("dd.state")).to_have_text("delivered")
            audit = page.locator("table.audit tbody tr")
            expect(audit).to_have_count(1)
            expect(audit.locator("td").nth(1)).to_have_text("otto")
            expect(audit.locator("td").nth(2)).to_have_text(
                "Reprocess with a corrected file (route-south-fixed.csv)"
            )
            expect(audit.locator("td").nth(4)).to_have_text("five reads re-keyed from the route sheet")

            page.get_by_role("link", name="file " + str(hub.rejected_id), exact=False).first.click()
            expect(page.locator("dd.state")).to_have_text("reprocessed")
            expect(page.locator("table.audit tbody tr")).to_have_count(1)
        finally:
            browser.close()


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, as a user without a mouse would),
    checking each focused control shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        tag = page.evaluate("document.activeElement.tagName")
        if tag in ("A", "BUTTON", "INPUT", "TEXTAREA", "SELECT"):
            assert outline != "none", f"the focused {tag} shows no focus"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reached by Tab")


def test_an_operator_logs_in_and_resolves_a_file_by_keyboard_only(served: tuple[Hub, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    hub, url = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url + f"/files/{hub.rejected_id}")
            expect(page.get_by_label("User name")).to_be_focused()
            page.keyboard.type("otto")
            page.keyboard.press("Tab")
            page.keyboard.type("not the password")
            page.keyboard.press("Enter")
            error = page.get_by_role("alert")
            expect(error).to_contain_text("Log-in failed")
            expect(page.get_by_label("User name")).to_have_attribute("aria-describedby", "login-error")
            expect(page.get_by_label("User name")).to_have_accessible_description(error.inner_text())
            _tab_to(page, "#password")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")

            expect(page.get_by_role("heading", name="route-south.csv", exact=False)).to_be_visible()
            page.keyboard.press("Tab")
            expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
            page.keyboard.press("Enter")
            _tab_to(page, "#comment-resolve")
            expect(page.locator("#comment-resolve")).to_have_accessible_description(
                "The file stays rejected and nothing of it is delivered; the comment goes in the audit trail."
            )
            page.keyboard.type("re-keyed by phone with the reader")
            page.keyboard.press("Tab")
            expect(page.get_by_role("button", name="Mark as resolved elsewhere…")).to_be_focused()
            page.keyboard.press("Enter")

            expect(page.get_by_role("heading", name="Confirm: Mark as resolved elsewhere")).to_be_visible()
            _tab_to(page, "form.confirm button")
            page.keyboard.press("Enter")
            expect(page.locator("dd.state")).to_have_text("rejected")
            audit = page.locator("table.audit tbody tr")
            expect(audit).to_have_count(1)
            expect(audit.locator("td").nth(1)).to_have_text("otto")
            expect(audit.locator("td").nth(4)).to_have_text("re-keyed by phone with the reader")
        finally:
            browser.close()
