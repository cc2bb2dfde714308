"""Assemble the report: one self-contained HTML page with plotly.js inlined once.

Safety of user strings (column names, category values, study names, failure messages):

* in HTML text they go through :func:`html.escape`;
* in chart labels they are entity-escaped (see ``_style.chart_text``) and the figure JSON, which plotly
  writes with ``<``, ``>``, ``&`` and ``/`` as ``\\u003c``-style escapes, sits in a
  ``<script type="application/json">`` block; ``_figure_json`` checks that no ``</`` survives, so no
  string can close the script tag.
"""

import datetime as dt
import html
import json
from pathlib import Path

from .._atomic import write_atomic
from ..tuning._portfolio import PORTFOLIO_NAMES
from ._figures_budget import best_over_time_figure, cost_model_figure
from ._figures_search import history_figure, importance_figure, slices_figure
from ._figures_training import (
    batch_norm_figure,
    learning_curves_figure,
    penalties_figure,
    pruning_figure,
    smoothing_figure,
    sparsity_figure,
)
from ._records import format_duration, format_value, read_study, score_std
from ._verdict_section import study_verdict, verdict_html

SECTIONS = (
    ("search", "The search", (history_figure, importance_figure, slices_figure)),
    ("training", "Learning curves and pruning", (learning_curves_figure, pruning_figure)),
    (
        "regularization",
        "Regularization effects",
        (penalties_figure, batch_norm_figure, smoothing_figure, sparsity_figure),
    ),
    ("budget", "Time budget", (best_over_time_figure, cost_model_figure)),
)
PLOT_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2937;
background:#f8fafc}
header{background:#1e293b;color:#f8fafc;padding:18px 32px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#cbd5e1;font-size:13px}
nav{padding:8px 32px;background:#e2e8f0;font-size:14px} nav a{margin-right:18px;color:#1e3a8a}
main{max-width:1240px;margin:0 auto;padding:12px 24px 48px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 20px 16px;
margin:18px 0}
h2{font-size:19px;border-bottom:1px solid #e5e7eb;padding-bottom:6px}
table{border-collapse:collapse;font-size:14px;margin:8px 0}
td,th{border-bottom:1px solid #eef2f7;padding:4px 12px 4px 0;text-align:left;vertical-align:top}
th{color:#475569;font-weight:600}
.kpi{font-size:24px;font-weight:700;color:#1e3a8a}
.note{color:#64748b;font-style:italic}
.chart{min-height:300px;margin:12px 0}
code{background:#f1f5f9;padding:1px 4px;border-radius:3px}
table.trials{font-size:12.5px} table.trials td,table.trials th{padding:3px 7px 3px 0}
table.trials td:last-child{overflow-wrap:anywhere;min-width:90px}
div.wide{overflow-x:auto}
pre{background:#f1f5f9;padding:8px 12px;border-radius:4px;font-size:13px;white-space:pre-wrap;
overflow-wrap:anywhere}
ul.verdict{margin:4px 0 8px;padding-left:22px} ul.verdict li{margin:4px 0;line-height:1.45}
caption{caption-side:bottom;text-align:left;color:#64748b;font-size:12px;padding-top:4px}
"""

_RENDER = """
document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (s) {
  var fig = JSON.parse(s.textContent);
  Plotly.newPlot(s.dataset.chart, fig.data, fig.layout, %s);
});
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _figure_json(fig):
    text = fig.to_json()
    if "</" in text or "<!--" in text:  # plotly escapes "<"; this guards the guarantee
        text = text.replace("<", "\\u003c")
    return text


def _rows(pairs):
    return "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)


def _params_table(params):
    if not params:
        return '<p class="note">none</p>'
    return "<table>" + _rows((k, _e(format_value(v))) for k, v in params.items()) + "</table>"


def _best_epoch_text(best, verdict):
    """``'20 trained per fold; best mean validation at epoch 18 (...noise...)'`` for the summary."""
    text = f"{best.user_attrs['n_epochs']} trained per fold"
    at = best.user_attrs.get("best_epoch")
    if not at:
        return text
    text += f"; best mean validation at epoch {at}"
    dip, noise = verdict.dip, verdict.noise
    if dip is not None and noise:
        last = at == best.user_attrs["n_epochs"]
        gain = "the last epoch" if last else f"{format_value(dip.gain_over_last)} better than the last epoch"
        text += f" ({gain}; the curve's epoch-to-epoch noise is {format_value(noise)}" + (
            "; a single noisy dip, see the verdict)" if dip.noisy else ")"
        )
    return text


# How the report names each kind of ``CategoricalEncoder.encoding_`` (a trial's "encoding" record).
ENCODING_WORDS = {"onehot": "one-hot", "binary": "one ±1 column", "target": "target-encoded"}


def _categorical_row(attrs, best):
    """("Categorical columns", text): each column with its encoding in the best trial, if recorded."""
    columns = [str(c) for c in attrs.get("categorical") or []]
    encoding = (best.user_attrs.get("encoding") if best is not None else None) or {}
    if not columns or not encoding:
        return "Categorical columns", _e(", ".join(columns) or "none")
    text = ", ".join(
        f"{c} ({ENCODING_WORDS.get(encoding[c], encoding[c])})" if c in encoding else c for c in columns
    )
    return "Categorical columns (best trial's encoding)", _e(text)


def _origin_words(origin):
    """How the summary names the best trial's origin (``StudyRecords.origins``); the search's
    says nothing."""
    kind, entry = origin
    if kind == "default":
        return ": the untuned default configuration"
    if kind == "portfolio":
        return f": the portfolio's {entry}"
    return ""


def _summary(records, storage, verdict):
    a, best = records.attrs, records.best()
    if best is None:
        score = '<span class="note">no complete trial yet</span>'
    else:
        std = score_std(best)
        spread = "" if std is None else f" ± {std:.4g}"
        folds = f" over {a['cv']} folds" if a.get("cv") else ""
        origin = _origin_words(records.origins[best.number])
        score = (
            f'<span class="kpi">{best.value:.5g}{_e(spread)}</span> '
            f"(trial {best.number}{_e(origin)}, mean ± std{_e(folds)})"
        )
    shape = (
        f"{a['n_rows']} rows × {a['n_features']} features" if a.get("n_rows") is not None else "not recorded"
    )
    budget = f" of a budget of {a['n_trials']}" if a.get("n_trials") else ""
    counts = (
        f"{len(records.complete)} complete, {len(records.pruned)} pruned, "
        f"{len(records.failed)} failed, {len(records.running)} running{budget}"
    )
    sparsity = None if best is None else best.user_attrs.get("sparsity")
    pairs = [
        ("Study", _e(records.name)),
        ("Storage", _e(storage) if storage else '<span class="note">not given</span>'),
        ("Data", _e(f"{shape}; target {a.get('target', '?')!s}; file {a.get('data_path') or '-'}")),
        _categorical_row(a, best),
        ("Numeric columns", _e(", ".join(map(str, a.get("numeric") or [])) or "none")),
        ("Task", _e(a.get("task", "?"))),
        ("Metric", _e(f"{records.metric} ({records.direction})")),
        ("Cross-validated score", score),
        ("Trials", _e(counts)),
        ("Wall time", _e(format_duration(records.wall_time()))),
        ("Pruner / seed", _e(f"{a.get('pruner', '-')} / {a.get('seed', '-')}")),
    ]
    if best is not None and best.user_attrs.get("n_epochs") is not None:
        pairs.append(("Best trial epochs", _e(_best_epoch_text(best, verdict))))
    if sparsity is not None:
        pairs.append(("Best model sparsity", _e(f"{100 * float(sparsity):.1f}% of weights exactly zero")))
    explored = [float(t.user_attrs["sparsity"]) for t in records.complete if "sparsity" in t.user_attrs]
    if len(explored) > 1:  # the search explored sparse solutions, or did not: say which
        low, high = 100 * min(explored), 100 * max(explored)
        pairs.append(("Sparsity searched", _e(f"{low:.1f}% to {high:.1f}% of weights exactly zero")))
    decays = [float(t.params["decay_per_step"]) for t in records.complete if "decay_per_step" in t.params]
    if len(decays) > 1:  # the decay the search explored, as the share of the weights a step removes
        low, high = 100 * min(decays), 100 * max(decays)
        pairs.append(
            ("Weight decay searched", _e(f"{low:.2g}% to {high:.2g}% of the weights removed per step"))
        )
    return (
        '<section id="summary"><h2>Summary</h2><table>' + _rows(pairs) + "</table>"
        "<h3>Best parameters</h3>" + _params_table(best.params if best else {}) + "</section>"
    )


def _origin_legend(kinds):
    """The Top trials table's note on its origin column (None when every trial is the search's)."""
    kinds = set(kinds)
    if kinds <= {"search"}:
        return None
    parts = ["origin: default = the untuned default configuration (a study's first trial)"]
    if "portfolio" in kinds:
        parts.append(
            "portfolio = one of the fixed known-good networks a study tries first after the default "
            "(its slots 1 to 6: " + "; ".join(PORTFOLIO_NAMES) + ")"
        )
    return "; ".join(parts) + "; search = TPE's choice."


def _trials_tables(records):
    names, origins = records.param_names(), records.origins
    # "<wbr>" after each underscore lets a long name (learning_rate_init) wrap in its header, so the
    # table fits a 1,280-pixel window with a dozen parameters.
    head = "".join(
        f"<th>{_e(n).replace('_', '_<wbr>')}</th>"
        for n in ("trial", "origin", "score", "± std", *names, "epochs", "fit time", "worker")
    )
    body = []
    for t in records.ranked()[:15]:
        cells = [
            t.number,
            origins[t.number][0],
            f"{t.value:.5g}",
            format_value(score_std(t)),
            *(format_value(t.params.get(n, "")) for n in names),
            t.user_attrs.get("n_epochs", "-"),
            format_duration(t.user_attrs.get("fit_time")),
            t.user_attrs.get("worker", "-"),
        ]
        body.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    parts = ['<section id="trials"><h2>Top trials</h2>']
    parts.append(
        f'<div class="wide"><table class="trials"><tr>{head}</tr>{"".join(body)}</table></div>'
        if body
        else '<p class="note">No complete trial yet.</p>'
    )
    legend = _origin_legend(kind for kind, _ in origins.values())
    if body and legend:
        parts.append(f'<p class="note">{_e(legend)}</p>')
    if records.failed:
        rows = "".join(
            f"<tr><td>{t.number}</td><td>{_e(t.user_attrs.get('fail_reason', 'no reason recorded'))}"
            "</td></tr>"
            for t in records.failed
        )
        parts.append(f"<h3>Failed trials</h3><table><tr><th>trial</th><th>reason</th></tr>{rows}</table>")
    parts.append("</section>")
    return "".join(parts)


def build_report(study, *, storage=None):
    """Render the report of an Optuna study created by :func:`regtune.tune` as one HTML string.

    The page is self-contained: plotly.js is inlined once, nothing is fetched from the network. It can
    be built while the study is still running.

    Parameters
    ----------
    study : optuna.Study
        A study created by ``regtune.tune`` (a study from elsewhere renders too, with the regtune-only
        parts marked as not recorded).
    storage : str, optional
        The storage URL to show in the summary; its password is masked.

    Returns
    -------
    html : str

    Examples
    --------
    >>> import optuna
    >>> from regtune.report import build_report
    >>> study = optuna.create_study(study_name="empty")
    >>> page = build_report(study)
    >>> page.startswith("<!DOCTYPE html>") and "empty" in page
    True
    """
    import plotly
    import plotly.offline

    from regtune import __version__

    if storage:
        from regtune.tuning import mask_password

        storage = mask_password(str(storage))
    records = read_study(study)
    verdict = study_verdict(records)
    charts, sections = 0, [verdict_html(verdict), _summary(records, storage, verdict)]
    for anchor, title, builders in SECTIONS:
        parts = [f'<section id="{anchor}"><h2>{_e(title)}</h2>']
        for build in builders:
            fig, note = build(records), None
            if isinstance(fig, tuple):
                fig, note = fig
            if isinstance(fig, str):
                parts.append(f'<p class="note">{_e(fig)}</p>')
                continue
            charts += 1
            parts.append(
                f'<div class="chart" id="chart-{charts}"></div>'
                f'<script type="application/json" data-chart="chart-{charts}">{_figure_json(fig)}'
                "</script>"
            )
            if note:
                parts.append(f'<p class="note">{_e(note)}</p>')
        parts.append("</section>")
        sections.append("".join(parts))
    sections.append(_trials_tables(records))
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(
        f'<a href="#{a}">{_e(t)}</a>'
        for a, t in (
            ("verdict", "Verdict"),
            ("summary", "Summary"),
            *((a, t) for a, t, _ in SECTIONS),
            ("trials", "Top trials"),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>regtune report: {_e(records.name)}</title><style>{_CSS}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        f"<header><h1>regtune report: {_e(records.name)}</h1><p>generated {generated} by regtune "
        f"{_e(__version__)} with plotly {_e(plotly.__version__)}</p></header><nav>{nav}</nav><main>"
        + "".join(sections)
        + f"</main><script>{_RENDER % json.dumps(PLOT_CONFIG)}</script></body></html>\n"
    )


def write_report(study, path, *, storage=None):
    """Write :func:`build_report`'s page to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    study : optuna.Study
    path : str or Path
        Destination HTML file; its folder must exist.
    storage : str, optional
        The storage URL to show, password masked.

    Returns
    -------
    path : Path
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"report folder {str(path.parent)!r} does not exist")
    page = build_report(study, storage=storage)
    return write_atomic(path, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"), what="report")
