"""The report page: numbers against naive recomputation, escaping, self-containment, atomic writing,
the verdict on the page, and charts that say why instead of drawing nothing."""

import html
import json
import re
import shlex

import numpy as np
import optuna
import plotly.offline
import pytest
import synthetic_studies as synthetic
from hostile_study import FAIL_REASON, HOSTILE, STUDY_NAME, TARGET, make_study
from optuna.trial import TrialState, create_trial

from regtune.report import build_report, write_report
from regtune.report._records import fold_mean_curve, read_study
from regtune.report._verdict_section import study_verdict, verdict_sentences
from regtune.tuning._portfolio import PORTFOLIO_NAMES

CHART_BLOCK = re.compile(r'<script type="application/json" data-chart="(chart-\d+)">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    study, storage = make_study(tmp_path_factory.mktemp("report") / "study.db")
    page = build_report(study, storage=storage.replace("sqlite:///", "sqlite://user:pw@host/"))
    return study, page


def _charts(page):
    """Chart id -> parsed plotly figure, for every chart on the page."""
    return {cid: json.loads(body) for cid, body in CHART_BLOCK.findall(page)}


def _chart_titled(page, prefix):
    found = [
        f for f in _charts(page).values() if f["layout"].get("title", {}).get("text", "").startswith(prefix)
    ]
    assert len(found) == 1, f"expected one chart titled {prefix!r}, found {len(found)}"
    return found[0]


def _trials(study, state):
    return [t for t in study.get_trials() if t.state == state]


def test_page_is_self_contained(filled):
    _, page = filled
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("plotly.js v") == 1, "plotly.js must be inlined exactly once"
    ours = page.replace(plotly.offline.get_plotlyjs(), "")
    assert len(ours) < len(page) - 1_000_000, "plotly.js is inlined verbatim"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours), "no network resource"
    assert "<link" not in ours
    n_charts = len(_charts(page))
    assert n_charts == page.count('<div class="chart"') == 10  # 9 + the best score over time
    # plotly.js + one JSON block per chart + the renderer: no other script
    assert page.count("<script") == n_charts + 2


def test_every_user_string_is_escaped(filled):
    _, page = filled
    for raw in (HOSTILE, STUDY_NAME, TARGET, FAIL_REASON, "<b>tanh</b>", "<img"):
        assert raw not in page
    assert html.escape(HOSTILE) in page
    assert html.escape(STUDY_NAME) in page
    assert html.escape(FAIL_REASON) in page
    for _, body in CHART_BLOCK.findall(page):
        assert "</" not in body and "<" not in body, "a chart's JSON could close its script tag"
    slices = _chart_titled(page, "Slices")
    ticks = {x for trace in slices["data"] for x in trace["x"] if isinstance(x, str)}
    assert "&lt;b&gt;tanh&lt;/b&gt;" in ticks, "category values reach plotly.js entity-escaped"


def test_summary_matches_naive_recomputation(filled):
    study, page = filled
    complete = _trials(study, TrialState.COMPLETE)
    best = complete[int(np.argmin([t.value for t in complete]))]
    std = float(np.std(best.user_attrs["fold_scores"]))
    assert f"{best.value:.5g} ± {std:.4g}" in page
    assert f"(trial {best.number}, mean ± std over 3 folds)" in page
    assert (
        f"{len(complete)} complete, {len(_trials(study, TrialState.PRUNED))} pruned, "
        f"{len(_trials(study, TrialState.FAIL))} failed, 1 running of a budget of 35"
    ) in page
    assert "300 rows × 6 features" in page
    assert "rmse (minimize)" in page
    for name, value in best.params.items():
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        assert f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>" in page
    assert f"{100 * best.user_attrs['sparsity']:.1f}% of weights exactly zero" in page
    decays = [t.params["decay_per_step"] for t in complete]
    low, high = 100 * min(decays), 100 * max(decays)
    assert (
        f"<th>Weight decay searched</th><td>{low:.2g}% to {high:.2g}% of the weights removed per step" in page
    )
    assert (f"12 trained per fold; best mean validation at epoch {best.user_attrs['best_epoch']}") in page


def test_storage_password_is_masked(filled):
    _, page = filled
    assert ":pw@" not in page
    assert "user:***@host" in page


def test_history_best_so_far_is_the_running_minimum(filled):
    study, page = filled
    fig = _chart_titled(page, "Optimization history")
    complete = sorted(_trials(study, TrialState.COMPLETE), key=lambda t: t.number)
    points, best_line = fig["data"][0], fig["data"][1]
    assert points["x"] == [t.number for t in complete]
    running, expected = float("inf"), []
    for t in complete:
        running = min(running, t.value)
        expected.append(running)
    np.testing.assert_allclose(best_line["y"], expected, rtol=0, atol=0)
    pruned = fig["data"][2]
    assert sorted(pruned["x"]) == sorted(t.number for t in _trials(study, TrialState.PRUNED))


def test_learning_curves_are_fold_means_of_the_best_trials(filled):
    study, page = filled
    fig = _chart_titled(page, "Learning curves")
    ranked = sorted(_trials(study, TrialState.COMPLETE), key=lambda t: t.value)[:3]
    names = [trace["name"] for trace in fig["data"]]
    assert names == [f"trial {t.number} {kind}" for t in ranked for kind in ("validation", "training")]
    for trace, (trial, kind) in zip(fig["data"], [(t, k) for t in ranked for k in ("valid", "train")]):
        folds = trial.user_attrs[f"{kind}_curve"]
        naive = [sum(f[e] for f in folds) / len(folds) for e in range(len(folds[0]))]
        np.testing.assert_allclose(trace["y"], naive, rtol=1e-12)
        assert trace["x"] == list(range(1, len(naive) + 1))


def test_pruning_points_are_drawn_where_trials_stopped(filled):
    study, page = filled
    fig = _chart_titled(page, "Validation metric per epoch")
    marks = next(trace for trace in fig["data"] if trace["name"] == "pruning point")
    pruned = _trials(study, TrialState.PRUNED)
    assert sorted(marks["x"]) == sorted(t.user_attrs["pruned_at"] for t in pruned)
    expected = sorted(t.intermediate_values[t.user_attrs["pruned_at"]] for t in pruned)
    np.testing.assert_allclose(sorted(marks["y"]), expected, rtol=1e-12)


def test_penalties_are_on_log_axes_and_dropout_is_linear(filled):
    _, page = filled
    fig = _chart_titled(page, "Score vs the penalties")
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["alpha_per_row", "l1_per_row", "decay_per_step", "dropout"]
    kinds = [fig["layout"][f"xaxis{'' if i == 1 else i}"]["type"] for i in range(1, 5)]
    assert kinds == ["log", "log", "log", "linear"]


def test_batch_norm_and_sparsity_charts(filled):
    study, page = filled
    complete = _trials(study, TrialState.COMPLETE)
    fig = _chart_titled(page, "Batch norm on vs off")
    by_group = {trace["name"]: sorted(trace["y"]) for trace in fig["data"]}
    for flag in (False, True):
        expected = sorted(t.value for t in complete if t.params["batch_norm"] is flag)
        np.testing.assert_allclose(by_group[f"batch_norm = {flag}"], expected)
    fig = _chart_titled(page, "L1 sparsity")
    xs = [x for trace in fig["data"] for x in trace["x"]]
    assert sorted(xs) == sorted(t.params["l1_per_row"] for t in complete)
    assert fig["layout"]["xaxis"]["type"] == "log"


def test_fold_mean_curve_handles_ragged_folds():
    curves = [[1.0, 2.0, 3.0], [3.0, 6.0], [5.0]]
    assert fold_mean_curve(curves) == [3.0, 4.0, 3.0]
    assert fold_mean_curve([]) == []


def test_few_trials_explain_instead_of_failing(tmp_path):
    study, _ = make_study(tmp_path / "few.db", n_complete=2, n_pruned=0, n_failed=1, n_running=0)
    page = build_report(study)
    assert "Importances need at least 3 complete trials; this study has 2." in page
    assert "Hyperparameter importances" not in page


def test_empty_study_and_study_not_made_by_regtune():
    empty = optuna.create_study(study_name="<i>empty</i>")
    page = build_report(empty)
    assert "No trial has finished yet." in page
    assert "no complete trial yet" in page
    assert "&lt;i&gt;empty&lt;/i&gt;" in page and "<i>empty" not in page
    plain = optuna.create_study(direction="maximize")
    plain.add_trial(
        create_trial(
            value=0.5, params={"x": 1.0}, distributions={"x": optuna.distributions.FloatDistribution(0, 2)}
        )
    )
    page = build_report(plain)
    assert "objective value (maximize)" in page and "not recorded" in page


def test_the_top_trials_and_the_summary_say_where_each_trial_came_from():
    page = build_report(synthetic.origin_study(best="portfolio"))
    table = page[page.index('<section id="trials">') :]
    cells = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>", table)
    assert cells == [("1", "portfolio"), ("2", "search"), ("0", "default")]  # best first
    assert "origin: default = the untuned default configuration" in table
    assert "portfolio = one of the fixed known-good networks" in table
    assert html.escape(PORTFOLIO_NAMES[0]) in table
    assert f"(trial 1: the portfolio&#x27;s {html.escape(PORTFOLIO_NAMES[0])}, mean ± std" in page
    plain = build_report(synthetic.tied_study())  # no default trial: no legend
    assert "origin: default" not in plain


def test_read_study_sorts_by_direction():
    study = optuna.create_study(direction="maximize")
    for v in (0.2, 0.9, 0.5):
        study.add_trial(create_trial(value=v))
    assert [t.value for t in read_study(study).ranked()] == [0.9, 0.5, 0.2]


def test_write_report_is_atomic(tmp_path, filled):
    study, _ = filled
    out = write_report(study, tmp_path / "report.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"], "no temporary file left"
    with pytest.raises(FileNotFoundError, match=r"report folder .*missing-dir.* does not exist"):
        write_report(study, tmp_path / "missing-dir" / "report.html")
    assert not (tmp_path / "missing-dir").exists()


def test_the_verdict_comes_first_and_escapes_what_it_quotes(filled):
    _, page = filled
    assert page.index('<section id="verdict">') < page.index('<section id="summary">')
    assert re.search(r'<nav><a href="#verdict">Verdict</a>', page)
    command = f"regtune tune /data/x.csv --target {shlex.quote(TARGET)} --space next-space.toml"
    assert html.escape(command) in page, "the next command quotes the target for a shell, escaped for HTML"
    assert html.escape(shlex.quote(STUDY_NAME + "-next")) in page


@pytest.mark.parametrize(
    "build",
    [
        synthetic.underfit_study,
        synthetic.overfit_study,
        synthetic.regularizer_study,
        synthetic.noisy_dip_study,
    ],
)
def test_every_verdict_sentence_is_on_the_page(build):
    study = build()
    page = build_report(study)
    verdict = study_verdict(read_study(study))
    sentences = [s for _, part in verdict_sentences(verdict) for s in part]
    assert len(sentences) >= 6
    for sentence in sentences:
        assert f"<li>{html.escape(sentence)}</li>" in page
    for block in (verdict.toml, verdict.command):
        assert block is None or f"<pre>{html.escape(block)}</pre>" in page


def test_log_axes_label_decades_only(filled):
    _, page = filled
    log_axes = [
        axis
        for fig in _charts(page).values()
        for key, axis in fig["layout"].items()
        if key.startswith(("xaxis", "yaxis")) and axis.get("type") == "log"
    ]
    assert len(log_axes) >= 5, "alpha_per_row, l1_per_row, decay_per_step, learning_rate_init, sparsity"
    for axis in log_axes:
        assert isinstance(axis["dtick"], int) and axis["dtick"] >= 1, (
            "one label per decade (or per k decades)"
        )
        assert axis["exponentformat"] == "power" and axis["minor"]["ticks"] == "outside"


def test_a_log_parameter_with_zeros_counts_them_in_the_panel_title():
    study = synthetic.regularizer_study()
    trials = study.get_trials()
    zero = optuna.distributions.FloatDistribution(0.0, 10.0)
    study = optuna.create_study(direction="minimize")
    for i, t in enumerate(trials):
        params = {**t.params, "alpha_per_row": 0.0 if i < 4 else t.params["alpha_per_row"]}
        study.add_trial(
            create_trial(
                state=t.state,
                value=t.value,
                params=params,
                distributions={**t.distributions, "alpha_per_row": zero},
                user_attrs=t.user_attrs,
                intermediate_values=t.intermediate_values,
            )
        )
    fig = _chart_titled(build_report(study), "Score vs the penalties")
    assert (
        fig["layout"]["annotations"][0]["text"] == "alpha_per_row (4 trials at 0 not drawn on the log axis)"
    )
    assert fig["layout"]["xaxis"]["type"] == "log"
    drawn = sum(len(trace["x"]) for trace in fig["data"] if trace["xaxis"] == "x")
    assert drawn == sum(1 for t in trials if t.state == TrialState.COMPLETE) - 4


def test_a_box_plot_of_one_group_is_a_sentence_instead():
    page = build_report(synthetic.regularizer_study())
    assert (
        "Batch norm on vs off: nothing to compare — batch_norm = False: 30 complete; "
        "batch_norm = True: no completed trial with it (2 pruned)."
    ) in page
    assert not [f for f in _charts(page).values() if "Batch norm" in f["layout"]["title"]["text"]]


def test_the_top_trials_table_lets_long_names_wrap(filled):
    _, page = filled
    assert '<table class="trials">' in page
    assert "<th>learning_<wbr>rate_<wbr>init</th>" in page


def test_the_summary_gives_the_best_epoch_with_the_curve_noise():
    study = synthetic.noisy_dip_study()
    page = build_report(study)
    verdict = study_verdict(read_study(study))
    assert (
        f"best mean validation at epoch 17 ({verdict.dip.gain_over_last:.4g} better than the last epoch; "
        f"the curve&#x27;s epoch-to-epoch noise is {verdict.noise:.4g}; a single noisy dip, see the verdict)"
    ) in page
