"""The report in a real browser: headless Chromium loads it, every chart draws, nothing is injected.

A probe script is inserted at the top of a copy of the page (the report itself carries no test code).
It records uncaught errors, failed resource loads, ``console.error`` calls and any ``alert``/``confirm``/
``prompt``, then, after load, writes what it saw and each chart's rendered SVG count into the DOM, which
``chromium --dump-dom`` prints. Chromium's own console log (``--enable-logging=stderr``) is checked too.

Chromium is Debian's ``chromium`` package; the test installs it with apt-get when it is missing and
fails (never skips) when that is impossible.
"""

import html
import json
import os
import re
import shutil
import subprocess

import pytest
from hostile_study import HOSTILE, make_study

from regtune.report import write_report

pytestmark = pytest.mark.browser

PROBE = """<script>
window.__seen = {errors: [], alerts: []};
window.addEventListener("error", function (e) {
  __seen.errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || e));
}, true);
window.addEventListener("unhandledrejection", function (e) { __seen.errors.push("rejection: " + e.reason); });
var __consoleError = console.error;
console.error = function () { __seen.errors.push("console.error: " + Array.from(arguments).join(" "));
  __consoleError.apply(console, arguments); };
["alert", "confirm", "prompt"].forEach(function (name) {
  window[name] = function (m) { __seen.alerts.push(name + ": " + m); };
});
window.addEventListener("load", function () { setTimeout(function () {
  var charts = Array.from(document.querySelectorAll("div.chart")).map(function (c) {
    return {id: c.id, svgs: c.querySelectorAll(".main-svg").length,
            traces: c.querySelectorAll("g.trace, g.point, path.point").length,
            text: c.textContent};
  });
  var probe = document.createElement("textarea");
  probe.id = "__probe";
  probe.textContent = JSON.stringify({errors: __seen.errors, alerts: __seen.alerts, charts: charts,
    bodyText: document.body.innerText,
    scripts: Array.from(document.scripts).map(function (s) { return s.textContent.slice(0, 80); })});
  document.body.appendChild(probe);
}, 1500); });
</script>"""

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium():
    """Path of the chromium binary, installing Debian's package when missing."""
    found = shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.fail(
            "chromium is missing and the tests are not root, so apt-get cannot install it; "
            "install Debian's 'chromium' package"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"could not install chromium ({' '.join(cmd)}): {done.stderr[-2000:]}")
    return shutil.which("chromium") or "/usr/bin/chromium"


def run_chromium(binary, profile, *args):
    done = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        pytest.fail(f"chromium failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return done


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(probe record, chromium stderr, page path) for the report of the hostile test study."""
    tmp = tmp_path_factory.mktemp("browser")
    study, storage = make_study(tmp / "study.db")
    page = write_report(study, tmp / "report.html", storage=storage)
    text = page.read_text(encoding="utf-8")
    probed = tmp / "probed.html"
    probed.write_text(
        text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + PROBE, 1), encoding="utf-8"
    )
    done = run_chromium(
        chromium(), tmp / "profile", "--virtual-time-budget=20000", "--dump-dom", probed.as_uri()
    )
    match = re.search(r'<textarea id="__probe">(.*?)</textarea>', done.stdout, re.S)
    if match is None:
        pytest.fail(f"the probe did not report; chromium stderr: {done.stderr[-2000:]}")
    return json.loads(html.unescape(match.group(1))), done.stderr, page, tmp


def test_page_loads_without_errors(loaded):
    seen, stderr, _, _ = loaded
    assert seen["errors"] == []
    console = [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


def test_every_chart_renders_an_svg(loaded):
    seen, _, page, _ = loaded
    expected = page.read_text(encoding="utf-8").count('<div class="chart"')
    assert len(seen["charts"]) == expected == 10  # 9 + the best score over time
    for chart in seen["charts"]:
        assert chart["svgs"] >= 1, f"{chart['id']} drew nothing"
        assert chart["traces"] >= 1, f"{chart['id']} drew no data"


def test_hostile_strings_are_shown_as_text_and_never_run(loaded):
    seen, _, _, _ = loaded
    assert seen["alerts"] == []
    assert HOSTILE in seen["bodyText"], "the column name must be visible, as typed"
    assert "<script>alert(3)</script>" in seen["bodyText"], "the failure message, as typed"
    assert not any("alert(" in s for s in seen["scripts"]), "no injected script element"
    slices = next(c for c in seen["charts"] if "Slices" in c["text"])
    assert "<b>tanh</b>" in slices["text"], "a category value is drawn as typed, not as markup"


def test_screenshot(loaded):
    _, _, page, tmp = loaded
    shot = tmp / "report.png"
    run_chromium(
        chromium(),
        tmp / "profile-shot",
        f"--screenshot={shot}",
        "--window-size=1280,2400",
        "--virtual-time-budget=20000",
        page.as_uri(),
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
