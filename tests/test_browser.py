"""A real browser: JupyterLab in headless Chromium runs notebook 06, a weight slider moves, the grid changes.

Needs Debian's chromium (``.ci/run`` installs it); the screenshot lands in test-artifacts/.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One cache for this module's labs: the second notebook finds the sample corpus the first one embedded."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture()
def lab(tmp_path, cache):
    """JupyterLab on a free loopback port, serving a copy of the notebooks (autosave never touches the repo), with
    three things set: start the notebook's kernel without asking, no news (no dialog or toast over the menus), and
    every cell kept on the page (JupyterLab 4 otherwise leaves cells scrolled out of view out of the page, so a
    widget above the last cell, where "Run All" scrolls to, may never appear to a test)."""
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    for plugin, setting in [("apputils-extension/notification", '{"fetchNews": "false"}'),
                            ("notebook-extension/tracker", '{"autoStartDefaultKernel": true, "windowingMode": "none"}')]:
        settings = tmp_path / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(setting)
    port, token = _free_port(), "clipnb-test"
    env = {**os.environ, "CLIPNB_MODEL": "bundled", "CLIPNB_CACHE": str(cache),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "HF_HUB_OFFLINE": "1"}
    log = open(tmp_path / "lab.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                                f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--ServerApp.port_retries=0", "--allow-root"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("jupyter lab did not answer within 120 s")
    yield base, token
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _open_and_run_all(page, base, token, notebook):
    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    select = page.get_by_role("button", name="Select", exact=True)
    if select.is_visible():  # asked which kernel despite the setting
        select.click()
    for attempt in range(3):  # a click while the page still settles can be lost: the prompts then show no run
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function("[...document.querySelectorAll('.jp-InputPrompt')]"
                                   ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))", timeout=20_000)
            return
        except Exception:  # noqa: BLE001 -- not run: try again
            if attempt == 2:
                raise


def _set_slider(page, readout, value: str):
    """Type a value into an ipywidgets slider's readout, as a user can."""
    readout.scroll_into_view_if_needed()
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def _assert_no_errors(page):
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    errors = [o for o in outputs if "Traceback" in o or "Error" in o]
    assert not errors, errors[0][:2000]


@contextlib.contextmanager
def notebook_page(lab, notebook: str, screenshot: str):
    """A Chromium page on ``notebook`` with every cell run; a screenshot is kept whatever happens."""
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _open_and_run_all(page, base, token, notebook)
            yield page
            _assert_no_errors(page)
        finally:
            page.screenshot(path=str(ARTIFACTS / screenshot))
            browser.close()


def _wait_for_change(page, selector: str, before: str):
    page.wait_for_function("([selector, before]) => document.querySelector(selector).innerHTML !== before",
                           arg=[selector, before], timeout=60_000)


def test_search_math_sliders_in_jupyterlab(lab):
    with notebook_page(lab, "06_search_math.ipynb", "browser-06-search-math.png") as page:
        grid = page.locator(".clipnb-query-builder .clipnb-grid")
        grid.wait_for(timeout=300_000)
        page.wait_for_function(
            "document.querySelectorAll('.clipnb-query-builder .clipnb-grid img').length >= 12", timeout=120_000)
        before = grid.inner_html()
        assert "updated in" in page.locator(".clipnb-query-builder .clipnb-status").inner_text()
        _set_slider(page, page.locator(".clipnb-query-builder .widget-readout").nth(1), "1.8")  # "winter"
        _wait_for_change(page, ".clipnb-query-builder .clipnb-grid", before)
        query_text = page.locator(".clipnb-query-builder input[type=text]").last.input_value()
        assert "1.8*winter" in query_text, query_text


def test_opposition_explorer_in_jupyterlab(lab):
    with notebook_page(lab, "08_binary_opposition.ipynb", "browser-08-opposition.png") as page:
        grid = page.locator(".clipnb-opposition .clipnb-grid")
        grid.wait_for(timeout=300_000)
        before = grid.inner_html()
        assert "ranks 1–6" in before
        _set_slider(page, page.locator(".clipnb-opposition .widget-readout").first, "100")
        _wait_for_change(page, ".clipnb-opposition .clipnb-grid", before)
        assert "ranks 101–106" in grid.inner_html()
