"""Charts of the search itself: optimization history, hyperparameter importances, slices.

Every builder takes a :class:`~._records.StudyRecords` and returns a plotly figure, a
``(figure, note)`` pair (the page prints the note under the chart), or a string that explains why the
chart cannot be drawn yet (too few trials), which the page shows instead.
"""

import math
import warnings

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._records import format_value, score_std
from ._style import (
    BLUE,
    GRAY,
    LOG_PARAMS,
    ORANGE,
    RED,
    REGULARIZATION_PARAMS,
    axis_kind,
    base_layout,
    chart_text,
)

TOP_TRIALS = 10
MAX_DECADE_LABELS = 6  # labelled ticks on a log axis at most (every k-th decade beyond that)


def hover_text(trial, metric):
    std = score_std(trial)
    spread = "" if std is None else f" ± {std:.4g}"
    params = "<br>".join(f"{chart_text(k)} = {chart_text(format_value(v))}" for k, v in trial.params.items())
    return f"trial {trial.number}<br>{chart_text(metric)} = {trial.value:.5g}{spread}<br>{params}"


def history_figure(records):
    """Each complete trial's score, the best score so far, and where pruned trials stopped."""
    if not records.complete and not records.pruned:
        return "No trial has finished yet."
    fig = go.Figure()
    done = sorted(records.complete, key=lambda t: t.number)
    fig.add_trace(
        go.Scatter(
            x=[t.number for t in done],
            y=[t.value for t in done],
            mode="markers",
            name="complete trial",
            marker={"color": BLUE, "size": 8},
            hovertext=[hover_text(t, records.metric) for t in done],
            hoverinfo="text",
        )
    )
    best_so_far, best = [], None
    pick = max if records.maximize else min
    for t in done:
        best = t.value if best is None else pick(best, t.value)
        best_so_far.append(best)
    fig.add_trace(
        go.Scatter(
            x=[t.number for t in done],
            y=best_so_far,
            mode="lines",
            line={"shape": "hv", "color": ORANGE},
            name="best so far",
        )
    )
    stopped = [t for t in records.pruned if t.intermediate_values]
    if stopped:
        last = [t.intermediate_values[max(t.intermediate_values)] for t in stopped]
        fig.add_trace(
            go.Scatter(
                x=[t.number for t in stopped],
                y=last,
                mode="markers",
                name="pruned (last validation value)",
                marker={"color": GRAY, "symbol": "x", "size": 7},
                hovertext=[f"trial {t.number} pruned at epoch {max(t.intermediate_values)}" for t in stopped],
                hoverinfo="text",
            )
        )
    base_layout(fig, "Optimization history")
    fig.update_xaxes(title_text="trial")
    fig.update_yaxes(title_text=chart_text(records.metric))
    return fig


def importance_figure(records):
    """Hyperparameter importances (Optuna's default evaluator) as horizontal bars."""
    import optuna

    if len(records.complete) < 3:
        return f"Importances need at least 3 complete trials; this study has {len(records.complete)}."
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importances = optuna.importance.get_param_importances(records.study)
    except (ValueError, RuntimeError, ZeroDivisionError) as exc:
        return f"Importances could not be computed yet: {exc}"
    if not importances:
        return "Importances could not be computed: no parameter varies across the complete trials."
    names = list(importances)[::-1]
    fig = go.Figure(
        go.Bar(
            x=[importances[n] for n in names],
            y=[chart_text(n) for n in names],
            orientation="h",
            marker={"color": BLUE},
            text=[f"{importances[n]:.2f}" for n in names],
            textposition="auto",
        )
    )
    base_layout(fig, "Hyperparameter importances", height=max(260, 40 * len(names) + 120))
    fig.update_xaxes(title_text="relative importance (sums to 1)")
    # Optuna's caveats (too few trials in a regime) go under the chart, not to stderr.
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    return (fig, "Optuna notes: " + " ".join(notes)) if notes else fig


def param_points(trials, name):
    """The trials that sampled ``name``, with the values laid out for a chart axis."""
    chosen = [t for t in trials if name in t.params]
    values = [t.params[name] for t in chosen]
    kind = axis_kind(values)
    if kind == "category":
        values = [chart_text(v) for v in values]
    return chosen, values, kind


def log_axis(values):
    """Axis settings for positive ``values`` on a log axis: one labelled tick per decade (or per few
    decades), written as powers of ten, and unlabelled minor ticks between them, so a narrow panel never
    shows a crowd of "2  5" minor labels.

    Examples
    --------
    >>> log_axis([1e-5, 1.0])["dtick"], log_axis([1e-9, 1e9])["dtick"]
    (1, 3)
    """
    decades = math.log10(max(values) / min(values))
    return {
        "type": "log",
        "dtick": max(1, math.ceil(decades / MAX_DECADE_LABELS)),
        "exponentformat": "power",
        "minor": {"ticks": "outside", "ticklen": 3, "showgrid": False},
    }


def _panel_axis(name, values, kind, log_names):
    """(axis settings, values to draw, how many values a log axis cannot show) for one panel."""
    positive = [v for v in values if kind != "category" and v > 0]
    wide = len(positive) >= 1 and max(positive) / min(positive) >= 10
    if kind == "log" or (name in log_names and kind == "linear" and wide):
        return log_axis(positive), [v > 0 for v in values], len(values) - len(positive)
    return {"type": kind}, [True] * len(values), 0


def scatter_grid(records, names, title, *, top=TOP_TRIALS, log_names=LOG_PARAMS):
    """Score against each parameter in ``names``, one panel each; the top trials in colour.

    A parameter in ``log_names`` whose positive values span a decade or more goes on a log axis; its
    values of 0 cannot, and the panel's title counts them.
    """
    ranked = records.ranked()
    top_numbers = {t.number for t in ranked[:top]}
    best = ranked[0].number if ranked else None
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[chart_text(n) for n in names],
        horizontal_spacing=0.08,
        vertical_spacing=0.16,
    )
    for i, name in enumerate(names):
        row, col = divmod(i, cols)
        trials, values, kind = param_points(ranked, name)
        axis, drawn, hidden = _panel_axis(name, values, kind, log_names)
        trials = [t for t, keep in zip(trials, drawn) if keep]
        values = [v for v, keep in zip(values, drawn) if keep]
        if hidden:
            fig.layout.annotations[i].text += f" ({hidden} trials at 0 not drawn on the log axis)"
        groups = (
            ("other trials", GRAY, lambda t: t.number not in top_numbers, 6, "circle"),
            (f"top {top} trials", BLUE, lambda t: t.number in top_numbers and t.number != best, 8, "circle"),
            ("best trial", RED, lambda t: t.number == best, 13, "star"),
        )
        for label, color, keep, size, symbol in groups:
            picked = [(v, t) for v, t in zip(values, trials) if keep(t)]
            fig.add_trace(
                go.Scatter(
                    x=[v for v, _ in picked],
                    y=[t.value for _, t in picked],
                    mode="markers",
                    marker={"color": color, "size": size, "symbol": symbol},
                    name=label,
                    legendgroup=label,
                    showlegend=i == 0,
                    hovertext=[hover_text(t, records.metric) for _, t in picked],
                    hoverinfo="text",
                ),
                row=row + 1,
                col=col + 1,
            )
        fig.update_xaxes(**axis, row=row + 1, col=col + 1)
        fig.update_yaxes(
            title_text=chart_text(records.metric) if col == 0 else None, row=row + 1, col=col + 1
        )
    return base_layout(fig, title, height=300 * rows + 120)


def slices_figure(records):
    """Score against each search parameter that the regularization section does not cover."""
    if not records.complete:
        return "No trial has completed yet."
    names = [
        n
        for n in records.param_names()
        if n not in REGULARIZATION_PARAMS and any(n in t.params for t in records.complete)
    ]
    if not names:
        return "Every sampled parameter is shown in the regularization section."
    return scatter_grid(records, names, f"Slices: score vs each parameter (top {TOP_TRIALS} in blue)")
