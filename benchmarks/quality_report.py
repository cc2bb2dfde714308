"""The quality benchmark's summary: error ratios, their shifted geometric mean, tables and the plot.

Primary error per cell: RMSE (regression, in the target's units as the data set defines it) or log
loss (classification). For the ratios, a regression RMSE is first divided by the standard deviation
of that seed's test targets (``nRMSE``, so that units cancel and the shift below means the same on
every data set); log loss is already unit-free.

Shifted geometric mean of error ratios of arm ``a`` against the reference arm ``r``, over the data
sets ``d`` where both have finished seeds (the seeds both finished)::

    e(a, d)   = mean over those seeds of nRMSE or log loss
    ratio     = (e(a, d) + s) / (e(r, d) + s)                with the shift s = 0.01
    SGM(a)    = exp(mean over d of log ratio(a, d))

The shift keeps a near-perfect data set (log loss 0.02 against 0.04) from counting as a 2x
difference: there it counts as (0.03 / 0.05) = 0.6x; on errors of 0.3 or more it changes a ratio by
under 3%. SGM < 1 means a lower error than the reference on (geometric) average.
"""

import math
from collections import defaultdict

import numpy as np

__all__ = ["SHIFT", "markdown", "plot", "summarize"]

SHIFT = 0.01


def _label(cell):
    return cell.get("variant") or cell["arm"]


def _normalized(cell):
    return cell["rmse"] / cell["target_std"] if "rmse" in cell else cell["log_loss"]


def summarize(cells, reference):
    """Per (data set, arm) means over seeds, and per arm the ratios to ``reference`` and their SGM."""
    ok = defaultdict(dict)  # (dataset, label) -> seed -> cell
    for cell in cells:
        if cell["status"] == "ok":
            ok[cell["dataset"], _label(cell)][cell["seed"]] = cell
    datasets = list(dict.fromkeys(c["dataset"] for c in cells))
    labels = list(dict.fromkeys(_label(c) for c in cells))
    means = {}
    for (dataset, label), by_seed in ok.items():
        runs = list(by_seed.values())
        means[dataset, label] = {
            key: float(np.mean([r[key] for r in runs]))
            for key in ("error", "accuracy", "auc", "cpu_seconds", "wall_seconds")
            if key in runs[0]
        }
        means[dataset, label]["error_std"] = float(np.std([r["error"] for r in runs]))
        means[dataset, label]["n_seeds"] = len(runs)
    ratios = defaultdict(dict)  # label -> dataset -> ratio
    for dataset in datasets:
        reference_runs = ok.get((dataset, reference), {})
        for label in labels:
            seeds = sorted(set(ok.get((dataset, label), {})) & set(reference_runs))
            if not seeds:
                continue
            arm = np.mean([_normalized(ok[dataset, label][s]) for s in seeds])
            ref = np.mean([_normalized(reference_runs[s]) for s in seeds])
            ratios[label][dataset] = float((arm + SHIFT) / (ref + SHIFT))
    sgm = {label: math.exp(np.mean(np.log(list(r.values())))) for label, r in ratios.items()}
    failures = [c for c in cells if c["status"] != "ok"]
    return {
        "datasets": datasets,
        "labels": labels,
        "means": means,
        "ratios": ratios,
        "sgm": sgm,
        "failures": failures,
        "tasks": {c["dataset"]: c["task"] for c in cells},
    }


def _number(value, digits):
    """``digits`` significant digits, without an exponent for large values (RMSEs in dollars)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


def _cell(summary, dataset, label, key, digits):
    entry = summary["means"].get((dataset, label))
    if entry is None or key not in entry:
        return "-"
    text = _number(entry[key], digits)
    if key == "error" and entry["n_seeds"] > 1:
        text += f" ± {_number(entry['error_std'], 2)}"
    return text


def markdown(summary, reference):
    """The tables: primary error, classification accuracy/AUC, CPU time, and the ratios' summary."""
    labels, datasets = summary["labels"], summary["datasets"]
    header = "| data set | metric | " + " | ".join(labels) + " |"
    rule = "|---|---|" + "---:|" * len(labels)
    lines = ["Test error (mean ± std over seeds; lower is better):", "", header, rule]
    for dataset in datasets:
        metric = "RMSE" if summary["tasks"][dataset] == "regression" else "log loss"
        errors = {lab: summary["means"].get((dataset, lab), {}).get("error") for lab in labels}
        best = min((e for e in errors.values() if e is not None), default=None)
        row = []
        for label in labels:
            text = _cell(summary, dataset, label, "error", 4)
            row.append(f"**{text}**" if errors[label] is not None and errors[label] == best else text)
        lines.append(f"| {dataset} | {metric} | " + " | ".join(row) + " |")
    sgm_row = [f"{summary['sgm'][lab]:.3f}" if lab in summary["sgm"] else "-" for lab in labels]
    lines.append(f"| **SGM of error ratios vs {reference}** | | " + " | ".join(sgm_row) + " |")
    ratios = summary["ratios"]
    worst = [f"{max(ratios[lab].values()):.3f}" if lab in ratios else "-" for lab in labels]
    lines.append("| worst ratio | | " + " | ".join(worst) + " |")
    counted = [str(len(summary["ratios"].get(lab, {}))) for lab in labels]
    lines.append("| data sets in the SGM | | " + " | ".join(counted) + " |")

    classification = [d for d in datasets if summary["tasks"][d] != "regression"]
    if classification:
        lines += ["", "Classification: accuracy / AUC (binary), mean over seeds:", "", header, rule]
        for dataset in classification:
            row = []
            for label in labels:
                text = _cell(summary, dataset, label, "accuracy", 4)
                if summary["tasks"][dataset] == "binary" and text != "-":
                    text += " / " + _cell(summary, dataset, label, "auc", 4)
                row.append(text)
            metric = "acc / AUC" if summary["tasks"][dataset] == "binary" else "accuracy"
            lines.append(f"| {dataset} | {metric} | " + " | ".join(row) + " |")

    lines += ["", "CPU seconds per fit (process + children, mean over seeds):", "", header, rule]
    for dataset in datasets:
        row = [_cell(summary, dataset, label, "cpu_seconds", 3) for label in labels]
        lines.append(f"| {dataset} | CPU s | " + " | ".join(row) + " |")
    for failure in summary["failures"]:
        lines.append(
            f"\n{failure['status']}: {failure['dataset']} seed {failure['seed']} {_label(failure)}: "
            f"{failure.get('message', '')}"
        )
    return "\n".join(lines) + "\n"


def plot(summary, reference, path):
    """Error ratio per data set and arm (left) and each arm's SGM against its CPU time (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, LogFormatter

    labels = [lab for lab in summary["labels"] if lab in summary["ratios"]]
    datasets = summary["datasets"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.45 * len(datasets) + 2.5), width_ratios=(3, 2))
    markers = "osD^v<>ph*"
    for k, label in enumerate(labels):
        ratios = summary["ratios"][label]
        shown = [(i, ratios[d]) for i, d in enumerate(datasets) if d in ratios]
        ys = [i + (k - (len(labels) - 1) / 2) * 0.1 for i, _ in shown]
        left.scatter([r for _, r in shown], ys, marker=markers[k % len(markers)], label=label, alpha=0.85)
    left.axvline(1.0, color="grey", lw=0.8)
    left.set_yticks(range(len(datasets)), datasets)
    left.invert_yaxis()
    left.set_xlabel(f"shifted error ratio vs {reference} (log scale; < 1 is better)")
    left.legend(fontsize=8, loc="best")
    for k, label in enumerate(labels):
        cpu = np.median([summary["means"][d, label]["cpu_seconds"] for d in summary["ratios"][label]])
        counted = len(summary["ratios"][label])
        text = label if counted == len(datasets) else f"{label} ({counted}/{len(datasets)} data sets)"
        right.scatter(cpu, summary["sgm"][label], marker=markers[k % len(markers)], s=60)
        right.annotate(
            text, (cpu, summary["sgm"][label]), fontsize=8, xytext=(4, 4), textcoords="offset points"
        )
    right.axhline(1.0, color="grey", lw=0.8)
    right.set_xlabel("median CPU seconds per fit (log scale)")
    right.set_ylabel(f"SGM of error ratios vs {reference}")
    for axis in (left.xaxis, right.xaxis):
        axis.axes.set_xscale("log")
        axis.set_major_formatter(FormatStrFormatter("%.3g"))
        axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.6)))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
