"""The report in a real browser: headless Chromium loads it, every chart draws, nothing is injected.

Two studies are loaded in a 1,280 x 2,400 window: the hostile one (every chart drawn, hostile strings
shown as text, the verdict included) and a sparse one (one complete trial, its batch-norm trials
pruned), whose charts with too little to draw must be replaced by a sentence, never drawn empty.

A probe script is inserted at the top of a copy of the page (the report itself carries no test code).
It records uncaught errors, failed resource loads, ``console.error`` calls and any ``alert``/``confirm``/
``prompt``, then, after load, writes what it saw and each chart's rendered SVG count into the DOM, which
``chromium --dump-dom`` prints. Chromium's own console log (``--enable-logging=stderr``) is checked too.

Chromium is Debian's ``chromium`` package; the test installs it with apt-get when it is missing and
fails (never skips) when that is impossible.
"""

import fcntl
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile

import pytest
import synthetic_studies as synthetic
from hostile_study import HOSTILE, STUDY_NAME, TARGET, make_study

from regtune.report import write_report
from regtune.report._records import read_study
from regtune.report._verdict_section import study_verdict, verdict_sentences

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
function __overlaps(nodes, horizontal) {
  var rects = Array.from(nodes).map(function (n) { return n.getBoundingClientRect(); })
    .filter(function (r) { return r.width > 0; })
    .sort(function (a, b) { return horizontal ? a.left - b.left : a.top - b.top; });
  var found = 0;
  for (var i = 1; i < rects.length; i++) {
    if ((horizontal ? rects[i].left - rects[i - 1].right : rects[i].top - rects[i - 1].bottom) < 0) found++;
  }
  return found;
}
function __subplot(chart, sp) {
  // marks: drawn lines, markers, boxes and bars; labels of a log x axis; overlapping tick labels
  var marks = Array.from(sp.querySelectorAll(".trace path")).filter(function (p) {
    var d = p.getAttribute("d"); return d && d.length > 6; }).length;
  var ids = (sp.getAttribute("class").split(" ")[1] || "").match(/^x(\\d*)y(\\d*)$/) || ["", "?"];
  var xaxis = chart._fullLayout["xaxis" + ids[1]] || {};
  // tick groups are named after their axis: xtick, x2tick, ..., so take every label of the layer
  var xlabels = sp.querySelectorAll(".xaxislayer-above text");
  var ylabels = sp.querySelectorAll(".yaxislayer-above text");
  return {marks: marks, xtype: xaxis.type, ylabels: ylabels.length,
          xlabels: Array.from(xlabels).map(function (t) { return t.textContent; }),
          overlaps: __overlaps(xlabels, true) + __overlaps(ylabels, false)};
}
window.addEventListener("load", function () { setTimeout(function () {
  var charts = Array.from(document.querySelectorAll("div.chart")).map(function (c) {
    return {id: c.id, svgs: c.querySelectorAll(".main-svg").length,
            traces: c.querySelectorAll("g.trace, g.point, path.point").length,
            subplots: Array.from(c.querySelectorAll(".cartesianlayer > g.subplot")).map(function (sp) {
              return __subplot(c, sp); }),
            text: c.textContent};
  });
  var table = document.querySelector("#trials table");
  var probe = document.createElement("textarea");
  probe.id = "__probe";
  probe.textContent = JSON.stringify({errors: __seen.errors, alerts: __seen.alerts, charts: charts,
    bodyText: document.body.innerText,
    verdictText: (document.querySelector("#verdict") || {}).innerText,
    firstSection: (document.querySelector("main > section") || {}).id,
    notes: Array.from(document.querySelectorAll("main p.note")).map(function (p) { return p.innerText; }),
    windowWidth: window.innerWidth, pageWidth: document.documentElement.scrollWidth,
    tableRight: table ? table.getBoundingClientRect().right : null,
    sectionRight: table ? document.querySelector("#trials").getBoundingClientRect().right : null,
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
    # One install at a time: `make test` runs tests in parallel processes, and two apt-gets at once
    # fight over dpkg's lock; the second one finds chromium installed once it holds the lock.
    path = os.path.join(tempfile.gettempdir(), "regtune-tests-chromium.lock")
    # O_NOFOLLOW: root does not follow a link someone planted in the shared temporary folder
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium")
        if found:
            return found
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


def load(tmp, study, storage=None):
    """(probe record, chromium stderr, page path) for the report of ``study`` in a 1,280-px window."""
    page = write_report(study, tmp / "report.html", storage=storage)
    text = page.read_text(encoding="utf-8")
    probed = tmp / "probed.html"
    probed.write_text(
        text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + PROBE, 1), encoding="utf-8"
    )
    done = run_chromium(
        chromium(),
        tmp / "profile",
        "--window-size=1280,2400",
        "--virtual-time-budget=20000",
        "--dump-dom",
        probed.as_uri(),
    )
    match = re.search(r'<textarea id="__probe">(.*?)</textarea>', done.stdout, re.S)
    if match is None:
        pytest.fail(f"the probe did not report; chromium stderr: {done.stderr[-2000:]}")
    return json.loads(html.unescape(match.group(1))), done.stderr, page


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(probe record, chromium stderr, page path, folder) for the report of the hostile test study."""
    tmp = tmp_path_factory.mktemp("browser")
    study, storage = make_study(tmp / "study.db")
    return (*load(tmp, study, storage), tmp)


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    """(probe record, study) for a study with one complete trial and its batch-norm trials pruned."""
    study = synthetic.sparse_study()
    seen, _, _ = load(tmp_path_factory.mktemp("sparse"), study)
    return seen, study


def test_page_loads_without_errors(loaded):
    seen, stderr, _, _ = loaded
    assert seen["errors"] == []
    console = [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


def _assert_no_empty_chart(seen):
    for chart in seen["charts"]:
        assert chart["svgs"] >= 1, f"{chart['id']} drew nothing"
        assert chart["traces"] >= 1, f"{chart['id']} drew no data"
        assert chart["subplots"], f"{chart['id']} has no plot area"
        for i, subplot in enumerate(chart["subplots"]):
            assert subplot["marks"] >= 1, f"{chart['id']} panel {i + 1} is empty"


def test_every_chart_renders_an_svg(loaded):
    seen, _, page, _ = loaded
    expected = page.read_text(encoding="utf-8").count('<div class="chart"')
    assert len(seen["charts"]) == expected == 10  # 9 + the best score over time
    _assert_no_empty_chart(seen)


def test_no_chart_is_empty_without_a_sentence_saying_why(sparse):
    seen, _ = sparse
    _assert_no_empty_chart(seen)
    titles = " ".join(c["text"] for c in seen["charts"])
    for drawn in ("Optimization history", "Learning curves of the best trial", "Score vs the penalties"):
        assert drawn in titles
    for why in (
        "Importances need at least 3 complete trials; this study has 1.",
        "Batch norm on vs off: nothing to compare — batch_norm = False: 1 complete; "
        "batch_norm = True: no completed trial with it (2 pruned).",
        "No complete trial recorded its sparsity.",
        "Every sampled parameter is shown in the regularization section.",
    ):
        assert why in seen["notes"]
    assert "Batch norm" not in titles and "importances" not in titles


def test_the_verdict_comes_first_and_says_what_the_rules_found(loaded, sparse):
    for seen, study in ((loaded[0], None), sparse):
        assert seen["firstSection"] == "verdict"
        if study is None:
            continue
        for _, sentences in verdict_sentences(study_verdict(read_study(study))):
            for sentence in sentences:
                assert sentence in seen["verdictText"]
    seen, _ = sparse
    for known in (
        "Only one complete trial (trial 0): nothing to compare it with.",
        "Best epoch = 20 of 20 and validation still improving",
        "the epoch budget is too small",
        "batch_norm = True: no completed trial with it (2 pruned)",
        "max_epochs = 40",
    ):
        assert known in seen["verdictText"]


def test_the_top_trials_table_fits_a_1280_px_window(loaded):
    seen, _, _, _ = loaded
    assert seen["windowWidth"] == 1280
    assert seen["pageWidth"] <= seen["windowWidth"], "nothing scrolls sideways"
    assert seen["tableRight"] <= seen["sectionRight"], "the table fits in its section, unscrolled"


def test_log_axes_label_only_powers_of_ten_and_no_labels_overlap(loaded):
    seen, _, _, _ = loaded
    log_panels = [s for c in seen["charts"] for s in c["subplots"] if s["xtype"] == "log"]
    assert len(log_panels) >= 5
    for panel in log_panels:
        assert panel["xlabels"], "a log axis without labels"
        for label in panel["xlabels"]:
            shown = label.replace("\u200b", "")  # plotly sets the exponent apart with zero-width spaces
            assert re.fullmatch(r"1|10|10[−-]?\d+", shown), f"a minor label on a log axis: {label!r}"
    for chart in seen["charts"]:
        for subplot in chart["subplots"]:
            assert subplot["xlabels"] and subplot["ylabels"], f"{chart['id']}: an axis without labels"
            assert subplot["overlaps"] == 0, f"{chart['id']}: tick labels overlap"


def test_hostile_strings_are_shown_as_text_and_never_run(loaded):
    seen, _, _, _ = loaded
    assert seen["alerts"] == []
    assert HOSTILE in seen["bodyText"], "the column name must be visible, as typed"
    assert "<script>alert(3)</script>" in seen["bodyText"], "the failure message, as typed"
    assert shlex.quote(STUDY_NAME + "-next") in seen["verdictText"], "the study name in the next command"
    assert shlex.quote(TARGET) in seen["verdictText"]
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
