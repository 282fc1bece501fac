"""Page objects for the browser tests: what a user sees and does, by name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, WebSocket, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

# Records, in the page's clock, when the app last changed its run state: the
# running/idle attribute of stApp, or an element turning stale or fresh (Streamlit
# fades the previous run's elements and restores each one as the new run redraws it).
# The end of a run is the last of those changes. When the start and the end of a fast
# run reach the browser together React draws only the end, so the running/idle
# attribute may not change at all; the elements' fresh marks still do, and failing
# those, the last change of any kind under stApp counts.
CHANGE_RECORDER = """
() => {
  window.__lastRunChange = null;
  window.__lastChange = performance.now();
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => { window.__lastChange = performance.now(); })
    .observe(app, {subtree: true, childList: true, attributes: true, characterData: true});
  new MutationObserver(() => { window.__lastRunChange = performance.now(); })
    .observe(app, {subtree: true, attributes: true,
                   attributeFilter: ['data-test-script-state', 'data-stale']});
}
"""
QUIET_MS = 150  # a run counts as ended after this long without a change


def wait_for_app_run(page: Page, timeout: float = 30_000) -> None:
    """Wait until the app has finished its current script run."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def _is_script_finished(payload: bytes | str) -> bool:
    if isinstance(payload, str):
        return False
    message = ForwardMsg()
    message.ParseFromString(payload)
    return message.WhichOneof("type") == "script_finished"


@dataclass
class AppPage:
    """Any page of the app: sidebar controls, title, notes, share box."""

    page: Page
    socket: WebSocket | None = None  # the app's connection, once the page has opened it

    def __post_init__(self) -> None:
        self.page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        self.socket = socket

    def open(self, url: str) -> AppPage:
        self.page.goto(url)
        wait_for_app_run(self.page)
        expect(self.page.locator("h1").first).to_be_visible()
        return self

    def record_runs(self) -> None:
        """Start recording screen changes, for :meth:`press_and_wait`."""
        self.page.evaluate(CHANGE_RECORDER)

    def press_and_wait(self, target: Locator, key: str, timeout: float = 30_000) -> float:
        """Press ``key`` on ``target``; wait for the rerun it causes; return its milliseconds.

        The rerun is finished when the server has said so and the app shows it
        is idle; the time is measured in the page's clock, from the keypress to
        the run's last change of state on screen (see ``CHANGE_RECORDER``).
        """
        wait_for_app_run(self.page)
        self._wait_quiet(timeout)
        assert self.socket is not None, "open() the page with this AppPage first"
        self.page.evaluate("() => { window.__pressed = performance.now();"
                           " window.__lastRunChange = null; }")
        # waits for the server's "script finished" without polling, so the measurement
        # takes no processor time from the app it measures
        with self.socket.expect_event("framereceived", predicate=_is_script_finished,
                                      timeout=timeout):
            target.press(key)
        wait_for_app_run(self.page, timeout)
        self._wait_quiet(timeout)
        return float(self.page.evaluate(
            "() => (window.__lastRunChange ?? window.__lastChange) - window.__pressed"))

    def _wait_quiet(self, timeout: float) -> None:
        self.page.wait_for_function(
            f"() => performance.now() - (window.__lastRunChange ?? window.__lastChange)"
            f" >= {QUIET_MS}", timeout=timeout, polling=20)

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
        """The alerts of the page's main area (the sidebar's summary for phones is not
        one of them)."""
        main = self.page.get_by_test_id("stMain")
        return " ".join(main.get_by_test_id("stAlertContainer").all_inner_texts())

    def metric(self, label: str) -> str:
        metric = self.page.get_by_test_id("stMetric").filter(has_text=label).first
        return metric.get_by_test_id("stMetricValue").inner_text().strip()

    def expect_metric(self, label: str, value: str) -> None:
        metric = self.page.get_by_test_id("stMetric").filter(has_text=label).first
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(re.compile(f"^{value}$"))

    # -- the scenario's controls, read as a user sees them ---------------------------
    def radio_choice(self, label: str) -> str:
        """The option shown as chosen in the radio group ``label`` ("" when none is)."""
        group = self.page.get_by_test_id("stRadio").filter(has_text=label).first
        group.locator("input").first.wait_for(state="attached")  # drawn, not a placeholder
        chosen = group.locator("input:checked")
        if not chosen.count():
            return ""
        return str(chosen.first.evaluate("e => e.closest('label').innerText")).strip()

    def multiselect_values(self, label: str) -> list[str]:
        box = self.page.get_by_test_id("stMultiSelect").filter(has_text=label).first
        box.locator(".react-aria-ComboBox").wait_for()  # drawn, not a placeholder
        tags = box.locator(".react-aria-ComboBox [data-tag]")
        return [tag.strip() for tag in tags.all_inner_texts()]

    def selectbox_value(self, label: str) -> str:
        box = self.page.get_by_test_id("stSelectbox").filter(has_text=label).first
        return box.locator("input[role='combobox']").input_value().strip()

    def sidebar_buttons(self, prefix: str) -> list[str]:
        buttons = self.page.get_by_test_id("stSidebar").get_by_role("button")
        # a button's text starts with its icon's name ("close"), on a line of its own
        texts = [b.strip().splitlines()[-1].strip() for b in buttons.all_inner_texts()
                 if b.strip()]
        return [text for text in texts if text.startswith(prefix)]

    def switch_language(self, name: str) -> None:
        """Click "Italiano" or "English" and wait for the page in that language."""
        self.page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
        wait_for_app_run(self.page)
