"""Charts of training and regularization: learning curves, pruning points, penalty effects, sparsity.

The learning curves show the gap between the training and the validation metric epoch by epoch, the
overfitting that alpha, l1, weight decay, dropout and batch norm are there to close.
"""

import plotly.graph_objects as go

from ._figures_search import hover_text, log_axis, param_points, scatter_grid
from ._records import fold_mean_curve
from ._style import BLUE, GRAY, GREEN, ORANGE, PALETTE, RED, base_layout, chart_text

N_CURVES = 3


def learning_curves_figure(records):
    """Training (dashed) and validation (solid) metric per epoch, mean over folds, for the best trials."""
    best = [t for t in records.ranked() if t.user_attrs.get("valid_curve")][:N_CURVES]
    if not best:
        return "No complete trial recorded learning curves yet."
    fig = go.Figure()
    for color, trial in zip(PALETTE, best):
        for kind, dash in (("valid", "solid"), ("train", "dash")):
            curve = fold_mean_curve(trial.user_attrs.get(f"{kind}_curve") or [])
            if not curve:
                continue
            fig.add_trace(
                go.Scatter(
                    x=list(range(1, len(curve) + 1)),
                    y=curve,
                    mode="lines",
                    line={"color": color, "dash": dash, "width": 2.5 if kind == "valid" else 1.8},
                    name=f"trial {trial.number} {'validation' if kind == 'valid' else 'training'}",
                    legendgroup=str(trial.number),
                )
            )
    which = "the best trial" if len(best) == 1 else f"the best {len(best)} trials"
    base_layout(fig, f"Learning curves of {which}: training vs validation")
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text=f"{chart_text(records.metric)} (mean over folds)")
    return fig


def pruning_figure(records):
    """Every trial's validation metric per epoch (what the pruner saw); pruned trials end in a red x."""
    trials = [t for t in records.complete + records.pruned if t.intermediate_values]
    if not trials:
        return "No trial reported intermediate values yet."
    best = records.best()
    complete = {t.number for t in records.complete}
    fig = go.Figure()
    for trial in sorted(trials, key=lambda t: t.number):
        steps = sorted(trial.intermediate_values)
        is_best = best is not None and trial.number == best.number
        color = RED if is_best else (BLUE if trial.number in complete else GRAY)
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=[trial.intermediate_values[s] for s in steps],
                mode="lines",
                line={"color": color, "width": 3 if is_best else 1},
                opacity=1.0 if is_best else 0.55,
                name="best trial" if is_best else f"trial {trial.number}",
                showlegend=is_best,
                hoverinfo="name+x+y",
            )
        )
    pruned = [t for t in records.pruned if t.intermediate_values]
    if pruned:
        at = [int(t.user_attrs.get("pruned_at", max(t.intermediate_values))) for t in pruned]
        fig.add_trace(
            go.Scatter(
                x=at,
                y=[
                    t.intermediate_values.get(e, t.intermediate_values[max(t.intermediate_values)])
                    for t, e in zip(pruned, at)
                ],
                mode="markers",
                marker={"symbol": "x", "color": RED, "size": 9},
                name="pruning point",
                hovertext=[f"trial {t.number} pruned at epoch {e}" for t, e in zip(pruned, at)],
                hoverinfo="text",
            )
        )
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": BLUE}, name="complete"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": GRAY}, name="pruned"))
    base_layout(fig, "Validation metric per epoch, all trials, with the pruning points")
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text=f"validation {chart_text(records.metric)}")
    return fig


# The searched penalties; a study made before the per-row strengths and the decay per step sampled
# alpha, l1 and weight_decay themselves.
PENALTY_NAMES = ("alpha_per_row", "l1_per_row", "decay_per_step", "alpha", "l1", "weight_decay", "dropout")


def penalties_figure(records):
    """Score against the L2 and L1 strengths, weight decay (log axes) and dropout; zeros noted, not drawn."""
    names = [n for n in PENALTY_NAMES if any(n in t.params for t in records.complete)]
    if not records.complete or not names:
        return "No complete trial sampled alpha_per_row, l1_per_row, decay_per_step or dropout."
    return scatter_grid(records, names, "Score vs the penalties: L2, L1, weight decay (log), dropout")


def _group_counts(records, name):
    """``{value: (complete, pruned)}`` for a boolean or categorical parameter, in first-seen order."""
    counts = {}
    for trial, index in [(t, 0) for t in records.complete] + [(t, 1) for t in records.pruned]:
        if name in trial.params:
            pair = counts.setdefault(trial.params[name], [0, 0])
            pair[index] += 1
    return counts


def _box_figure(records, name, title, label):
    """Box plots of the scores per value; a note instead when fewer than two values have complete trials.

    A box of one group alone compares nothing, so the page says which values had no complete trial
    (and how many of them were pruned) instead of drawing it.
    """
    counts = _group_counts(records, name)
    missing = [
        f"{label} = {value}: no completed trial with it ({pruned} pruned)"
        for value, (complete, pruned) in counts.items()
        if complete == 0
    ]
    present = [
        f"{label} = {value}: {complete} complete" for value, (complete, _) in counts.items() if complete
    ]
    if len(present) < 2:
        return f"{title}: nothing to compare — " + "; ".join(present + missing) + "."
    trials, values, _ = param_points(records.ranked(), name)
    fig = go.Figure()
    for color, group in zip(PALETTE, sorted(set(values))):
        scores = [t.value for v, t in zip(values, trials) if v == group]
        picked = [t for v, t in zip(values, trials) if v == group]
        fig.add_trace(
            go.Box(
                y=scores,
                name=chart_text(f"{label} = {group}"),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": color},
                hovertext=[hover_text(t, records.metric) for t in picked],
                hoverinfo="text",
            )
        )
    base_layout(fig, title)
    fig.update_yaxes(title_text=chart_text(records.metric))
    return (fig, "; ".join(missing) + ".") if missing else fig


def batch_norm_figure(records):
    """Scores of the trials with batch norm on against those with it off."""
    if "batch_norm" not in records.param_names() or not records.complete:
        return "No complete trial sampled batch_norm."
    return _box_figure(records, "batch_norm", "Batch norm on vs off", "batch_norm")


def smoothing_figure(records):
    """Score against the target encoder's smoothing (numeric m-estimate, or "auto")."""
    if "smooth" not in records.param_names() or not records.complete:
        return "No complete trial sampled the target-encoding smoothing (smooth)."
    kind = param_points(records.complete, "smooth")[2]
    if kind == "category":
        return _box_figure(records, "smooth", "Target-encoding smoothing", "smooth")
    return scatter_grid(records, ["smooth"], "Target-encoding smoothing", log_names=("smooth",))


def sparsity_figure(records):
    """Fraction of weights exactly zero against the L1 strength, the best model starred."""
    trials = [t for t in records.complete if t.user_attrs.get("sparsity") is not None]
    if not trials:
        return "No complete trial recorded its sparsity."
    best = records.best()
    l1_name = next((n for n in ("l1_per_row", "l1") if all(n in t.params for t in trials)), None)
    has_l1 = l1_name is not None
    xs = [t.params[l1_name] if has_l1 else t.number for t in trials]
    log = has_l1 and all(x > 0 for x in xs) and max(xs) / min(xs) >= 10
    fig = go.Figure()
    for label, color, size, symbol, keep in (
        ("trials", GREEN, 8, "circle", lambda t: best is None or t.number != best.number),
        ("best model", ORANGE, 15, "star", lambda t: best is not None and t.number == best.number),
    ):
        picked = [(x, t) for x, t in zip(xs, trials) if keep(t)]
        fig.add_trace(
            go.Scatter(
                x=[x for x, _ in picked],
                y=[100 * float(t.user_attrs["sparsity"]) for _, t in picked],
                mode="markers",
                marker={"color": color, "size": size, "symbol": symbol},
                name=label,
                hovertext=[hover_text(t, records.metric) for _, t in picked],
                hoverinfo="text",
            )
        )
    base_layout(fig, "L1 sparsity: % of weights exactly zero")
    fig.update_xaxes(title_text=l1_name or "trial", **(log_axis(xs) if log else {"type": "linear"}))
    fig.update_yaxes(title_text="% weights exactly zero", rangemode="tozero")
    return fig
