"""The report's Verdict section: the rules of ``_verdict`` and ``_next_steps`` applied to a study, in words.

:func:`study_verdict` reads a :class:`~._records.StudyRecords` into plain records and runs the rules;
:func:`verdict_sentences` says what they found; :func:`verdict_html` lays it out, every string escaped.
"""

import html
from dataclasses import dataclass, field

from optuna.trial import TrialState

from ..tuning._converged import converged_record
from ..tuning._final_model import final_trial
from ._effects import Group, regularizer_effects
from ._next_steps import SearchFacts, cli_line, plan_steps, space_toml
from ._style import REGULARIZATION_PARAMS
from ._verdict import (
    BIAS_GAP,
    DIP_Z,
    OVERFIT_GAP,
    TIE_CONFIDENCE,
    best_epoch_dip,
    compare_top,
    curve_noise,
    epoch_trend,
    train_valid_gap,
)


@dataclass
class Verdict:
    """The findings of every rule for one study (None where a rule had nothing to judge)."""

    metric: str
    maximize: bool
    best: object = None
    top: object = None
    noise: float | None = None
    trend: object = None
    dip: object = None
    gap: object = None
    effects: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    toml: str | None = None
    command: str | None = None
    origin: str | None = None  # the best trial's: "default", "portfolio" or "search"
    entry: str | None = None  # the portfolio entry's name, when origin is "portfolio"
    default: object = None  # the default trial's TrialRecord, when it completed
    default_number: int | None = None  # the default trial's number, when the study has one
    default_state: str | None = None  # "complete", "pruned", "failed" or "running"
    n_complete: int = 0
    stopped_final: tuple | None = None  # (number, score) of a deadline-stopped final trial
    final_model: str | None = None  # the study's final model kind: "ensemble", "refit" or None
    converged: dict | None = None  # the search_converged record of a search that ended early


def _space(attrs):
    if "space" not in attrs:
        return None
    from regtune.tuning import SearchSpace

    try:
        return SearchSpace.from_dict(attrs["space"])
    except (TypeError, ValueError):  # a space written by another regtune version
        return None


def study_verdict(records):
    """Run every verdict rule on a study's records; returns a :class:`Verdict`."""
    trials = records.trial_records()
    ranked = [t for t in trials if t.state == "complete"]
    verdict = Verdict(records.metric, records.maximize)
    if not ranked:
        return verdict
    best = verdict.best = ranked[0]
    verdict.n_complete = len(ranked)
    kinds = {number: kind for number, (kind, _) in records.origins.items()}
    verdict.origin, verdict.entry = records.origins[best.number]
    verdict.default = next((t for t in ranked if kinds[t.number] == "default"), None)
    defaults = [t for t in records.all_trials() if kinds[t.number] == "default"]
    if defaults:  # the one that completed, or the latest (a failed default trial's retry)
        latest = max(defaults, key=lambda t: (t.state == TrialState.COMPLETE, t.number))
        verdict.default_number, verdict.default_state = latest.number, latest.state.name.lower()
    final = final_trial(records.study)  # the tuner's own rule: a deadline-stopped trial may win
    if final is not None and final.state == TrialState.PRUNED:
        verdict.stopped_final = (final.number, float(final.user_attrs["best_score"]))
    verdict.final_model = records.attrs.get("final_model")
    verdict.converged = converged_record(records.attrs)
    verdict.top = compare_top(ranked, maximize=records.maximize)
    curve = [v for v in best.valid_curve if v is not None]
    if curve:
        verdict.noise = curve_noise(curve)
        verdict.trend = epoch_trend(curve, maximize=records.maximize, noise=verdict.noise)
        verdict.dip = best_epoch_dip(curve, maximize=records.maximize, noise=verdict.noise)
        b = verdict.dip.best_epoch
        if len(best.train_curve) >= b and best.train_curve[b - 1] is not None:
            verdict.gap = train_valid_gap(best.train_curve[b - 1], curve[b - 1], maximize=records.maximize)
    verdict.effects = regularizer_effects(trials, REGULARIZATION_PARAMS, maximize=records.maximize)
    attrs = records.attrs
    n_trials = attrs.get("n_trials")
    finished = len(records.complete) + len(records.pruned) + len(records.failed)
    facts = SearchFacts(
        space=_space(attrs),
        best_params=best.params,
        cv=attrs.get("cv"),
        n_trials=n_trials,
        finished=tuple(t.number for t in trials),
        best_number=best.number,
        wall_time=records.wall_time(),
        timeout=attrs.get("timeout"),
        stopped_by_time=bool(
            attrs.get("deadline")
            and (n_trials is None or finished < n_trials)  # None: no trial limit, the deadline ends it
            and not records.running
            and verdict.converged is None  # it converged: more time would not help
        ),
        converged=verdict.converged is not None,
    )
    verdict.steps = plan_steps(
        facts, trend=verdict.trend, gap=verdict.gap, effects=verdict.effects, top=verdict.top
    )
    verdict.toml = space_toml(facts.space, verdict.steps)
    if verdict.steps:
        space_file = "next-space.toml" if verdict.toml else None
        verdict.command = cli_line(attrs, records.name, verdict.steps, space_file=space_file)
    return verdict


def _g(value, digits=3):
    return f"{value:.{digits}g}"


def _trials(trials):
    """``'trial 3'``, ``'trials 3 and 5'``, ``'trials 3, 5 and 8'``."""
    numbers = [str(t.number) for t in trials]
    if len(numbers) == 1:
        return f"trial {numbers[0]}"
    return "trials " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _against_default(v):
    """How the best trial's cross-validated score compares with the default trial's, as the end
    of a sentence: ``'scores 0.0123 rmse (2.1 % of the default's score) better than ...'``."""
    best, default = v.best.value, v.default.value
    gain = default - best if not v.maximize else best - default
    name = f"the untuned default configuration (trial {v.default.number})"
    if gain == 0:
        return f"ties with {name} in cross-validation"
    share = f" ({gain / abs(default):.1%} of the default's score)" if default else ""
    return f"scores {_g(gain, 3)} {v.metric}{share} better than {name} in cross-validation"


def _stopped_but_better(v):
    """A sentence on the trial the deadline stopped that scored better at its best epoch than the
    best complete trial (the tuner's final trial, ``_final_model.final_trial``), or None."""
    if v.stopped_final is None:
        return None
    number, score = v.stopped_final
    text = (
        f"Trial {number}, stopped by the deadline, scored better at its best epoch ({_g(score, 5)} "
        f"{v.metric}): "
    )
    if v.final_model == "refit":
        return text + f"a refit needs a complete trial, so the final model is trial {v.best.number}'s refit."
    if v.final_model == "ensemble":
        return text + "its fold ensemble is the final model."
    return text + "its fold ensemble would be the final model."


def origin_sentences(v):
    """Where the best complete trial's configuration came from, and what tuning bought over the
    defaults (nothing for a study without a default trial: one regtune did not make)."""
    if v.best is None or v.origin is None or v.default_number is None:
        return []
    number, others = v.best.number, v.n_complete - 1
    if v.origin == "default":
        rivals = {
            0: "no other trial completed",
            1: "the other complete trial did not beat it in cross-validation",
        }.get(others, f"none of the {others} other complete trials beat it in cross-validation")
        text = f"The best complete trial is trial {number}, the untuned default configuration: {rivals}."
    else:
        if v.origin == "portfolio":
            text = (
                f"The best complete trial (trial {number}) is one of the portfolio's fixed known-good "
                f"networks, which a study tries first after the default: {v.entry}."
            )
        else:
            text = f"The best complete trial (trial {number}) is the search's own configuration (TPE's)."
        if v.default is not None:
            text += f" It {_against_default(v)}."
        else:
            state = "is still running" if v.default_state == "running" else "did not complete"
            text += (
                f" The untuned default configuration (trial {v.default_number}) {state}, so the gain "
                "over it is unknown."
            )
    stopped = _stopped_but_better(v)
    converged = converged_sentence(v.converged)
    return [text, *(s for s in (stopped, converged) if s is not None)]


def converged_sentence(record):
    """A sentence on a search that ended before its deadline because it had converged
    (``tuning._converged``), or None."""
    if not record:
        return None
    at, timeout, anchor = record["at"], record["timeout"], record["anchor_trial"]
    wait, n = at - record["anchor_at"], record["trials_since"]
    if record.get("anchor_earlier"):
        gain = f"no trial of this run beat trial {anchor}, the last gain of an earlier run of the study,"
    elif record.get("anchor_first"):
        gain = f"no trial beat trial {anchor}, the first to complete ({record['anchor_at']:.0f} s in),"
    else:
        gain = (
            f"its last gain came with trial {anchor} ({record['anchor_at']:.0f} s in), and no trial beat it"
        )
    return (
        f"The search ended early, at {at:.0f} s of its {timeout:.0f} s budget, because it had converged: "
        f"{gain} beyond the folds' noise (one standard error of the paired fold differences) in the "
        f"{wait:.0f} s and {n} trials that followed. regtune tune --full-budget "
        "(stop_when_converged=False) searches until the deadline."
    )


def tie_sentences(v):
    """What the paired comparison of the best trial with the next ones found."""
    top, metric = v.top, v.metric
    if top is None:
        return []
    if not top.rivals:
        return [f"Only one complete trial (trial {top.best.number}): nothing to compare it with."]
    if not top.best.fold_scores:
        return ["The trials recorded no fold scores, so they cannot be compared fold by fold."]
    n = len(top.rivals) + 1
    spread = f"The best {n} trials lie within {_g(top.spread)} {metric} of each other"
    if top.fold_std is not None:
        spread += f", while the best trial's score varies by {_g(top.fold_std)} from fold to fold (std)"
    out = [spread + "."]
    tied, worse = top.tied, top.worse
    if tied and not worse:
        out.append(
            f"The best trial is tied with {_trials(tied)}: their paired fold differences are within "
            "noise, so their order is chance."
        )
    elif worse and not tied:
        out.append(
            f"The best trial is better than {_trials(worse)}: their paired fold differences exceed noise."
        )
    elif tied:
        out.append(f"The best trial is tied with {_trials(tied)} and better than {_trials(worse)}.")
    if worse and top.fold_std is not None and top.fold_std > top.spread:
        out.append(
            "The folds differ more than the trials, but the folds rank the trials alike: pairing the "
            "scores fold by fold removes each fold's own difficulty."
        )
    if any(p is None for _, p in top.rivals):
        out.append("Some trials' fold scores cannot be paired with the best trial's (other fold count).")
    return out


def fit_sentences(v):
    """Bias or variance, the epoch budget and the noise of the best epoch, for the best trial."""
    metric, out = v.metric, []
    if v.best is None:
        return out
    if v.dip is None:
        return ["The best trial recorded no validation curve."]
    b, n = v.dip.best_epoch, len(v.best.valid_curve)
    if v.gap is not None and v.gap.ratio is not None:
        out.append(
            f"At its best epoch ({b} of {n}) the best trial's training {metric} is {_g(v.gap.train, 4)} and "
            f"its validation {metric} {_g(v.gap.valid, 4)}: the training error is {abs(v.gap.ratio):.0%} "
            f"{'below' if v.gap.ratio >= 0 else 'above'} the validation error."
        )
        out.append(
            {
                "overfit": f"Training error is far below validation (gap ≥ {OVERFIT_GAP:.0%}): variance "
                "dominates, the model overfits; more regularization should help.",
                "bias": f"Training and validation errors are close (gap below {BIAS_GAP:.0%}): bias "
                "dominates, the model does not overfit; less regularization or a larger network may help.",
                "balanced": f"A moderate gap ({BIAS_GAP:.0%} to {OVERFIT_GAP:.0%}): neither bias nor "
                "variance dominates.",
            }[v.gap.kind]
        )
    elif v.gap is None:
        out.append("The best trial recorded no training curve, so its train/validation gap is unknown.")
    t = v.trend
    if t is None:
        out.append(f"Too few epochs ({n}) to judge the curve's trend and noise.")
    else:
        size = "a curve without noise" if not v.noise else f"{t.z:.1f} standard errors of the fitted slope"
        half = f"over the last {-(-n // 2)} epochs (by {_g(t.slope)} {metric} per epoch, {size})"
        if t.budget_too_small:
            out.append(
                f"Best epoch = {b} of {n} and validation still improving {half}: "
                "the epoch budget is too small."
            )
        elif t.late:
            out.append(
                f"Best epoch = {b} of {n}, but validation has flattened {half}: "
                "more epochs would gain little."
            )
        else:
            out.append(f"The best epoch ({b} of {n}) comes well before the end: the epoch budget is enough.")
    out.extend(_noise_sentences(v))
    return out


def _noise_sentences(v):
    d, noise, metric = v.dip, v.noise, v.metric
    if noise is None:
        return []
    if noise == 0:
        return ["The validation curve has no measurable epoch-to-epoch noise: its best epoch is its trend's."]
    text = f"The validation curve's epoch-to-epoch noise is {_g(noise)} {metric}; the best epoch is "
    if d.best_epoch == len(v.best.valid_curve):
        text += "the last one"
    else:
        text += f"{_g(d.gain_over_last)} better than the last ({d.gain_over_last / noise:.1f}× the noise)"
    if d.dip is None:
        return [text + "."]
    if d.noisy:
        return [
            text
            + f" and {_g(d.dip)} below the curve through its neighbours ({d.z:.1f}× the noise, more than "
            f"{DIP_Z:g}×): a single noisy dip. The 3-epoch moving average is best at epoch "
            f"{d.smoothed_best}; the best epoch and its score owe part of their value to noise."
        ]
    return [
        text + f", and it lies {_g(d.dip)} from the curve through its neighbours ({d.z:.1f}× the noise, at "
        f"most {DIP_Z:g}×): not a single noisy dip."
    ]


def _label(effect, group):
    """``'dropout above 0.3'`` or ``'batch_norm = True'``."""
    return f"{effect.name} {group.label}" if effect.kind == "numeric" else f"{effect.name} = {group.label}"


def _counts(groups):
    complete = " vs ".join(str(len(g.scores)) for g in groups)
    text = f"{complete} complete trials"
    if any(g.n_pruned for g in groups):
        text += ", " + " vs ".join(str(g.n_pruned) for g in groups) + " pruned"
    return text


def _untestable(e):
    parts = [
        f"{_label(e, g)}: no completed trial with it ({g.n_pruned} pruned)"
        if not g.scores
        else f"{_label(e, g)}: {len(g.scores)} complete" + (f" ({g.n_pruned} pruned)" if g.n_pruned else "")
        for g in e.groups
    ]
    return f"{e.name}: too few complete trials to compare — " + "; ".join(parts) + "."


def _compared(e, metric):
    """One effect as a sentence: the two medians, their difference, the counts and the test."""
    first, rest = e.groups[0], e.groups[1:]
    if e.kind == "numeric":
        groups, others = e.groups, rest[0].label
    else:
        others = f"with {e.name} = {rest[0].label}" if len(rest) == 1 else "with the other values"
        scores = tuple(s for g in rest for s in g.scores)
        groups = (first, Group("the others", scores, sum(g.n_pruned for g in rest)))
    own = first.label if e.kind == "numeric" else f"with {_label(e, first)}"
    medians = f"median {metric} {_g(first.median, 4)} {own}, {_g(groups[1].median, 4)} {others}"
    counts, test = _counts(groups), f"Mann-Whitney p = {e.p:.2g}"
    if e.verdict == "unclear":
        needs = f"a difference needs p < {e.threshold:.2g}"
        return f"{e.name}: no clear effect — {medians} ({counts}; {test}, {needs})."
    sign = "better" if e.verdict == "helped" else "worse"
    size = f"{_g(abs(e.gain))} {sign}"
    return f"{_label(e, first)} {e.verdict}: {medians}, {size} ({counts}; {test} < {e.threshold:.2g})."


def effect_sentences(v):
    """One sentence per regularizer; a category tested value by value gets one sentence per value that
    helped or hurt, or one sentence saying that none stands out."""
    out, by_name = [], {}
    for e in v.effects:
        by_name.setdefault(e.name, []).append(e)
    for name, effects in by_name.items():
        first = effects[0]
        if first.verdict in ("no complete", "too few"):
            out.append(_untestable(first))
        elif len(effects) == 1:
            out.append(_compared(first, v.metric))
        elif any(e.verdict != "unclear" for e in effects):
            out.extend(_compared(e, v.metric) for e in effects if e.verdict != "unclear")
        else:
            medians = ", ".join(
                f"{_g(e.groups[0].median, 4)} with {e.groups[0].label} ({len(e.groups[0].scores)})"
                for e in effects
            )
            smallest = min(e.p for e in effects)
            out.append(
                f"{name}: no value stands out — median {v.metric} {medians} (smallest Mann-Whitney p = "
                f"{smallest:.2g}, a difference needs p < {first.threshold:.2g})."
            )
    if not v.effects and v.best is not None:
        out.append("No regularizer was searched.")
    return out


def verdict_sentences(v):
    """All of the verdict's sentences, section by section: ``[(title, [sentence, ...]), ...]``."""
    return [
        ("Where the best trial came from", origin_sentences(v)),
        ("The best trial against the next ones", tie_sentences(v)),
        ("Bias or variance", fit_sentences(v)),
        ("Which regularizers helped", effect_sentences(v)),
        ("What to try next", [step.reason + "." for step in v.steps]),
    ]


def _e(value):
    return html.escape(str(value), quote=True)


def _paired_table(v):
    top = v.top
    if top is None or not top.rivals or not top.best.fold_scores:
        return ""
    k = len(top.best.fold_scores)
    head = ["trial", v.metric, *(f"fold {i + 1}" for i in range(k)), "mean", "SE", "t", "t needed", ""]
    rows = []
    for rival, p in top.rivals:
        if p is None:
            cells = [rival.number, _g(rival.value, 5), *([""] * k), "", "", "", "", "not paired"]
        else:
            cells = [
                rival.number,
                _g(rival.value, 5),
                *(f"{d:+.3g}" for d in p.differences),
                f"{p.mean:+.3g}",
                _g(p.se),
                f"{p.t:.2f}",
                f"{p.critical:.2f}",
                "tied" if p.tied else "worse",
            ]
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    caption = (
        f"Paired fold differences from the best trial (trial {top.best.number}; positive: worse, in "
        f"{v.metric}). A trial is worse when t reaches the one-sided {TIE_CONFIDENCE:.0%} quantile of "
        f"Student's t with {k - 1} degrees of freedom; the standard error is corrected for the overlap of "
        "the folds' training rows (Nadeau and Bengio)."
    )
    return (
        f'<table class="paired"><caption>{_e(caption)}</caption><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def verdict_html(v):
    """The Verdict section as HTML (every string escaped)."""
    parts = ['<section id="verdict"><h2>Verdict</h2>']
    if v.best is None:
        parts.append('<p class="note">No complete trial yet, so there is no verdict.</p></section>')
        return "".join(parts)
    for title, sentences in verdict_sentences(v):
        parts.append(f"<h3>{_e(title)}</h3>")
        if sentences:
            parts.append('<ul class="verdict">' + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>")
        if title.startswith("The best trial"):
            parts.append(_paired_table(v))
        if title == "Which regularizers helped" and v.effects:
            parts.append(
                '<p class="note">These compare the trials the sampler chose, not controlled experiments: a '
                "regularizer's effect can be mixed up with the parameters sampled alongside it.</p>"
            )
    if not v.steps:
        parts.append('<p class="note">Nothing to change by the verdict\'s rules.</p>')
    if v.toml:
        parts.append(f"<p>next-space.toml:</p><pre>{_e(v.toml)}</pre>")
    if v.command:
        parts.append(f"<p>then:</p><pre>{_e(v.command)}</pre>")
    parts.append(
        '<p class="note">The rules and their thresholds: docs/report.md, "The verdict\'s rules".</p>'
    )
    parts.append("</section>")
    return "".join(parts)
