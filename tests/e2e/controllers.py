"""Page objects for the browser tests: what a user sees and does, by name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

# Records every script run the page sees: a run is finished when the app's
# script state goes back to "notRunning" after having been "running".
RUN_RECORDER = """
() => {
  window.__runs = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    window.__runs.push({state, at: performance.now()});
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""


def wait_for_app_run(page: Page, timeout: float = 30_000) -> None:
    """Wait until the app has finished its current script run."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)


@dataclass
class AppPage:
    """Any page of the app: sidebar controls, title, notes, share box."""

    page: Page

    def open(self, url: str) -> AppPage:
        self.page.goto(url)
        wait_for_app_run(self.page)
        expect(self.page.locator("h1").first).to_be_visible()
        return self

    def record_runs(self) -> None:
        self.page.evaluate(RUN_RECORDER)

    def press_and_wait(self, target: Locator, key: str, timeout: float = 30_000) -> float:
        """Press ``key`` on ``target``; wait for the rerun it causes; return its milliseconds."""
        wait_for_app_run(self.page)
        self.page.evaluate("() => { window.__runs = []; window.__pressed = performance.now(); }")
        target.press(key)
        self.page.wait_for_function(
            "() => { const r = window.__runs; return r.some(e => e.state === 'running') &&"
            " r.length && r[r.length - 1].state === 'notRunning'; }", timeout=timeout)
        return float(self.page.evaluate(
            "() => window.__runs[window.__runs.length - 1].at - window.__pressed"))

    def title(self) -> str:
        return self.page.locator("h1").first.inner_text()

    def slider(self, label: str) -> Locator:
        return self.page.get_by_role("slider", name=label)

    def slider_value(self, label: str) -> int:
        return int(self.slider(label).input_value())

    def nav_link(self, label: str) -> Locator:
        return self.page.get_by_test_id("stPageLink-NavLink").filter(has_text=label).first

    def share_link(self) -> str:
        return self.page.locator("[data-testid='stSidebar'] [data-testid='stCode'] code") \
            .first.inner_text().strip()

    def alert_text(self) -> str:
        return " ".join(self.page.get_by_test_id("stAlertContainer").all_inner_texts())

    def metric(self, label: str) -> str:
        metric = self.page.get_by_test_id("stMetric").filter(has_text=label).first
        return metric.get_by_test_id("stMetricValue").inner_text().strip()

    def expect_metric(self, label: str, value: str) -> None:
        metric = self.page.get_by_test_id("stMetric").filter(has_text=label).first
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(re.compile(f"^{value}$"))
