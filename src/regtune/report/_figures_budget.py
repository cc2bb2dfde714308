"""Charts of the time budget: the cost model's predicted step time against the measured one, and
the best score against wall-clock time (what the job had found at each moment).

Records read (see ``docs/tuning.md``): each trial's ``predicted_step_seconds`` and
``step_seconds`` (median measured step) user attributes, its start and end times and value; the
study's ``job_end`` and ``deadline`` (unix times) when it had a time budget.
"""

import math

import plotly.graph_objects as go

from ..tuning._converged import converged_record
from ._style import BLUE, GRAY, ORANGE, RED, base_layout, chart_text


def cost_model_figure(records):
    """Predicted against measured seconds per lockstep step, one point per finished trial."""
    trials = [
        t
        for t in records.complete + records.pruned
        if t.user_attrs.get("predicted_step_seconds") and t.user_attrs.get("step_seconds")
    ]
    if not trials:
        return "No finished trial recorded its step times yet (studies of regtune 0.1 do not)."
    predicted = [float(t.user_attrs["predicted_step_seconds"]) for t in trials]
    measured = [float(t.user_attrs["step_seconds"]) for t in trials]
    low, high = min(predicted + measured) / 1.5, max(predicted + measured) * 1.5
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low, high],
            mode="lines",
            name="measured = predicted",
            line={"color": GRAY, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[low, high],
            y=[2 * low, 2 * high],
            mode="lines",
            name="factor 2",
            line={"color": GRAY, "dash": "dot", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low / 2, high / 2],
            mode="lines",
            showlegend=False,
            line={"color": GRAY, "dash": "dot", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=predicted,
            y=measured,
            mode="markers",
            name="trials",
            marker={"color": [BLUE if t in records.complete else ORANGE for t in trials], "size": 8},
            text=[f"trial {t.number}<br>{chart_text(_config(t))}" for t in trials],
            hovertemplate="%{text}<br>predicted %{x:.3g} s<br>measured %{y:.3g} s<extra></extra>",
        )
    )
    fig.update_xaxes(type="log", title="predicted seconds per step (calibrated when the trial started)")
    fig.update_yaxes(type="log", title="measured seconds per step (median)")
    ratios = sorted(m / p for m, p in zip(measured, predicted))
    median = ratios[len(ratios) // 2]
    within = sum(0.5 <= r <= 2 for r in ratios)
    note = (
        f"Measured / predicted: median {median:.2f}; {within} of {len(ratios)} trials within a factor "
        "of 2. Blue: complete, orange: pruned. The cost model caps each trial's epochs to a quarter "
        "of the budget."
    )
    capped = [int(t.user_attrs["max_train_rows"]) for t in trials if t.user_attrs.get("max_train_rows")]
    if capped:
        sizes = " or ".join(f"{rows:,}" for rows in sorted(set(capped)))
        note += (
            f" Rows as a fidelity (large data, short budget): {len(capped)} of {len(trials)} trials "
            f"trained on {sizes} rows of each fold, {len(trials) - len(capped)} on all of them; "
            "validation always used every row."
        )
    return base_layout(fig, "Cost model: predicted against measured step time"), note


def _config(trial):
    names = ("n_layers", "width", "batch_size")
    return ", ".join(f"{n}={trial.params[n]}" for n in names if n in trial.params)


def _model_score(trial):
    """The cross-validated score of a trial's model: a complete trial's value, or the best epoch's
    of a trial stopped by the deadline (None for any other)."""
    if trial.state.name == "COMPLETE":
        return trial.value
    if trial.user_attrs.get("pruned_reason") == "deadline":
        return trial.user_attrs.get("best_score")
    return None


def best_over_time_figure(records):
    """The best model's score so far against seconds since the first trial started."""
    trials = [
        t
        for t in records.complete + records.pruned
        if t.datetime_start is not None and t.datetime_complete is not None and _model_score(t) is not None
    ]
    if not trials:
        return "No trial has ended with a model yet."
    starts = [
        t.datetime_start for t in records.complete + records.pruned + records.failed if t.datetime_start
    ]
    origin = min(starts).timestamp()
    trials.sort(key=lambda t: t.datetime_complete)
    sign = -1.0 if records.maximize else 1.0
    times, scores, best, value = [], [], [], math.inf
    for trial in trials:
        score = float(_model_score(trial))
        value = min(value, sign * score)
        times.append(trial.datetime_complete.timestamp() - origin)
        scores.append(score)
        best.append(sign * value)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=times,
            y=scores,
            mode="markers",
            name="trials with a model (complete, or stopped by the deadline)",
            marker={"color": GRAY, "size": 6},
            text=[f"trial {t.number}" for t in trials],
        )
    )
    fig.add_trace(
        go.Scatter(
            x=times,
            y=best,
            mode="lines",
            line_shape="hv",
            name="best so far",
            line={"color": BLUE, "width": 2},
        )
    )
    converged = converged_record(records.attrs)
    for key, label in (("deadline", "search deadline"), ("job_end", "end of the budget")):
        if key == "deadline" and converged is not None:
            label = "search converged"
        moment = records.attrs.get(key)
        if moment is not None:
            fig.add_vline(
                x=float(moment) - origin,
                line={"color": RED, "dash": "dash" if key == "deadline" else "solid"},
                annotation_text=label,
                annotation_position="top left",
            )
    fig.update_xaxes(title="seconds since the first trial started")
    fig.update_yaxes(title=chart_text(records.metric))
    note = "The model file holds the best so far at every moment (written when a better trial ends)."
    return base_layout(fig, "Best score against wall-clock time"), note
