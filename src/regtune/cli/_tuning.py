"""``regtune tune``, ``regtune worker`` and ``regtune demo``: one library call each, then the outputs."""

import os
import time
from pathlib import Path

import click

from regtune.tuning import DEFAULT_STORAGE

from ._io import (
    CommaList,
    Duration,
    check_training_table,
    ignore_option,
    leave_out,
    read_table,
    read_toml,
    require_existing_storage,
    split_target,
)
from ._main import main
from ._studies import storage_errors

DEFAULT_OUT = "regtune-out"
# The report and best_params.toml are written after tune returns, within the --timeout budget:
# tune gets the budget less what the command used before it and this reserve, or half of what it
# used if more (measured on 2 busy cores: a report of a few hundred trials takes 1-2 s, and the
# interpreter's exit with plotly, pandas, scikit-learn and Optuna loaded up to 2.5 s).
REPORT_RESERVE = 3.0
DEMO_BUDGET = {"n_trials": 40, "timeout": 100.0, "n_workers": 2, "cv": 3}
# The default space trains networks up to 5 x 1024 units for 50 epochs: minutes per trial on 28k rows.
# The demo narrows the size of the network so that a trial takes seconds on one core; the
# regularization ranges (alpha_per_row, l1_per_row, weight decay, dropout, batch norm, smoothing) stay
# the defaults.
DEMO_SPACE = {
    "n_layers": {"choices": [1, 2]},
    "width": {"low": 16, "high": 128},
    "batch_size": {"low": 128, "high": 512},
    "max_epochs": 20,
}


def _progress(quiet):
    return False if quiet else "auto"


def features_text(attrs):
    """``'(4): a, b (categorical); c, d (numeric)'``: the columns a study used as features."""
    kinds = {kind: [str(c) for c in attrs.get(kind) or []] for kind in ("categorical", "numeric")}
    parts = [f"{', '.join(names)} ({kind})" for kind, names in kinds.items() if names]
    return f"({sum(map(len, kinds.values()))}): " + "; ".join(parts)


def print_summary(result, paths, ignored=()):
    """The features, the best parameters, the cross-validated score and where the outputs are."""
    from optuna.trial import TrialState

    from regtune.tuning._converged import converged_record

    click.echo(f"Features {features_text(result.study.user_attrs)}")
    if ignored:
        click.echo(f"Ignored:  {', '.join(ignored)}")
    states = [t.state for t in result.study.get_trials(deepcopy=False)]
    best = result.best_trial
    folds = len(best.user_attrs.get("fold_scores", [])) or "?"
    click.echo(f"Best parameters (trial {best.number}):")
    width = max((len(name) for name in result.best_params), default=0)
    for name, value in result.best_params.items():
        shown = f"{value:.4g}" if isinstance(value, float) else value
        click.echo(f"  {name:<{width}} = {shown}")
    click.echo(
        f"Cross-validated {result.metric}: {result.best_score:.4f} +- "
        f"{result.best_score_std:.4f} (mean +- std over {folds} folds; {result.direction})"
    )
    click.echo(
        f"Trials: {states.count(TrialState.COMPLETE)} complete, "
        f"{states.count(TrialState.PRUNED)} pruned, {states.count(TrialState.FAIL)} failed"
    )
    converged = converged_record(result.study.user_attrs)
    if converged is not None:
        click.echo(
            f"Search: converged, ended {converged['at']:.0f} s into tuning (no gain beyond the folds' noise "
            f"since trial {converged['anchor_trial']}, {converged['trials_since']} trials); --full-budget "
            "searches until --timeout"
        )
    click.echo(f"Model:  {paths['model']}")
    click.echo(f"Report: {paths['report']}")
    click.echo(f"Params: {paths['params']}")


def run_tune(
    frame, target, *, out, storage, data_path=None, categorical=None, ignore=(), started=None, **options
):
    """Tune on ``frame`` without the ``ignore`` columns, save the outputs into ``out`` and print a
    summary; the ``timeout`` budget counts from ``started`` (``time.monotonic()``) and includes the
    outputs."""
    from regtune.report import write_report
    from regtune.tuning import save_result, tune

    X, y = split_target(frame, target)
    X = leave_out(X, ignore, target)
    check_training_table(
        X, y, target, categorical=categorical, task=options.get("task"), cv=options.get("cv", 5)
    )
    Path(out).mkdir(parents=True, exist_ok=True)
    if options.get("timeout") is not None and started is not None:
        used = time.monotonic() - started  # imports and reading DATA: slower on busy cores, as
        reserve = max(REPORT_RESERVE, used / 2)  # are the report and the exit after tune
        options["timeout"] = max(1.0, options["timeout"] - used - reserve)
    with storage_errors(storage):
        model_path = Path(out) / "model.regtune"
        result = tune(
            X, y, categorical=categorical, storage=storage, save_to=model_path, data_path=data_path, **options
        )
        paths = save_result(result, out)
        paths["report"] = write_report(
            result.study, Path(out) / "report.html", storage=storage or DEFAULT_STORAGE
        )
        print_summary(result, paths, ignored=ignore)
    return result


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", required=True, help="Name of the column to predict.")
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    help="Default: inferred from the target column.",
)
@click.option(
    "--categorical",
    type=CommaList(),
    help="Categorical columns, encoded by their number of levels (default: the non-numeric columns).",
)
@ignore_option
@click.option(
    "--metric",
    help="log_loss (classification default), rmse (regression default), "
    "or a scikit-learn scorer name: roc_auc, accuracy, r2, ...",
)
@click.option(
    "--trials",
    "n_trials",
    type=click.IntRange(min=1),
    help="Budget of trials across all workers [default: no limit with --timeout, which ends the search; "
    "50 without]. With both, the search ends at whichever comes first.",
)
@click.option(
    "--timeout",
    type=Duration(),
    help="Wall-clock budget of the whole command (search, final model, outputs): 90s, 10m, 2h.",
)
@click.option("--trial-timeout", type=Duration(), help="Fail any single trial running longer.")
@click.option(
    "--final-model",
    type=click.Choice(["ensemble", "refit"]),
    default="ensemble",
    show_default=True,
    help="The best trial's fold models averaged (no training after the search), or one refit on all rows.",
)
@click.option(
    "--full-budget",
    is_flag=True,
    help="Search until --timeout even when the search has converged [default: the job ends early once "
    "no trial has beaten the last real gain beyond the folds' noise for as long as it took to find it].",
)
@click.option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes on this machine.",
)
@click.option("--storage", help=f"Optuna storage URL.  [default: {DEFAULT_STORAGE}]")
@click.option(
    "--study",
    "study_name",
    default="regtune",
    show_default=True,
    help="Study name; an existing study with the same data and settings is resumed (it says so), "
    "one with other data is refused.",
)
@click.option(
    "--space",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file of search-space overrides (see docs/cli.md).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="With --workers 1, the same data and seed give the same trials, digit for digit; "
    "with more workers the trials depend on which worker finishes first.",
)
@click.option(
    "--cv", type=click.IntRange(min=2), default=5, show_default=True, help="Cross-validation folds."
)
@click.option(
    "--pruner",
    type=click.Choice(["hyperband", "median", "successive_halving", "none"]),
    default="hyperband",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder for model.regtune, report.html, best_params.toml.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or progress lines.")
def tune(data, target, space, out, quiet, **options):
    """Tune a regularized network on DATA, save the best model and write the report.

    DATA is a CSV or Parquet file. Prints the columns used as features, the best parameters, the
    cross-validated score (mean +- std over folds) and where the model (OUT/model.regtune), the
    report (OUT/report.html) and the best parameters (OUT/best_params.toml) are. Run again with the
    same --study, it resumes that study and says how far it got; --trials raises its budget.

    \b
    Example:
      regtune tune cars.csv --target price --categorical make,model --ignore sold \\
          --trials 200 --timeout 30m --workers 4 --out cars-tuned
    """
    started = time.monotonic()
    if space is not None and not space.is_file():
        raise FileNotFoundError(f"--space file {str(space)!r} does not exist")
    if space is not None:
        read_toml(space, "--space")  # a syntax error names the file; tune checks the names
    frame = read_table(data)
    options["stop_when_converged"] = not options.pop("full_budget")
    result = run_tune(
        frame,
        target,
        out=out,
        data_path=str(Path(data).resolve()),
        space=None if space is None else str(space),
        progress=_progress(quiet),
        started=started,
        **options,
    )
    if options.get("timeout") is not None:
        _note_unused_time(result.study, options["timeout"], started)


# The share of --timeout left at the end above which the unused time is worth a line.
UNUSED_TIME_SHARE = 0.25


def _note_unused_time(study, timeout, started):
    """One line when the budget of trials, not --timeout, ended the search with much of the time
    left: the search stops at whichever comes first, and a user who gave a time limit may expect
    it to be used. The budget is spent when no slot waits (a deadline leaves slots WAITING)."""
    from optuna.trial import TrialState

    left = timeout - (time.monotonic() - started)
    n_trials = study.user_attrs.get("n_trials")
    if not n_trials or left <= UNUSED_TIME_SHARE * timeout:
        return
    if not study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        shown = f"{left / 60:.0f} min" if left >= 120 else f"{left:.0f} s"
        click.echo(
            f"The search ended on its budget of {n_trials} trials with {shown} of --timeout left; "
            f"--trials {2 * n_trials} (or more) lets it use that time."
        )


@main.command()
@click.option("--storage", required=True, help="The Optuna storage URL of the study.")
@click.option("--study", "study_name", required=True, help="Name of the study to join.")
@click.option(
    "--trials",
    "n_trials",
    type=click.IntRange(min=1),
    help="Run at most this many trials (default: until the study's budget is spent).",
)
@click.option(
    "--timeout", type=Duration(), help="This worker's wall-clock budget: it exits within it (plus one epoch)."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or progress lines.")
def worker(storage, study_name, n_trials, timeout, quiet):
    """Join a study from another process or machine and run its trials.

    The study must have been created by `regtune tune` with a storage every worker reaches
    (PostgreSQL for several machines) and its DATA file must exist at the same path here.

    \b
    Example:
      regtune worker --storage postgresql://tuner:secret@db.lan/regtune --study cars
    """
    from regtune.tuning import mask_password
    from regtune.tuning import worker as join

    require_existing_storage(storage)
    with storage_errors(storage):
        ran = join(storage, study_name, n_trials=n_trials, timeout=timeout, progress=_progress(quiet))
    click.echo(f"Ran {ran} trials of study {study_name!r} in {mask_password(storage)}.")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="regtune-demo",
    show_default=True,
    help="Folder for the demo's study, model and report.",
)
@click.option(
    "--trials", "n_trials", type=click.IntRange(min=1), default=DEMO_BUDGET["n_trials"], show_default=True
)
@click.option(
    "--timeout",
    type=Duration(),
    default=DEMO_BUDGET["timeout"],
    show_default=True,
    help="Tuning time budget in seconds (or 90s, 2m, ...).",
)
@click.option(
    "--workers", "n_workers", type=click.IntRange(min=1), default=DEMO_BUDGET["n_workers"], show_default=True
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or progress lines.")
def demo(out, n_trials, timeout, n_workers, quiet):
    """Tune on the bundled cps1988 wages data (28,155 rows) in under 3 minutes on 2 cores.

    Writes OUT/model.regtune, OUT/report.html and OUT/best_params.toml; the study is kept in
    OUT/demo.db and starts afresh on every run (the previous demo study is deleted).

    \b
    Example:
      regtune demo --out /tmp/demo && xdg-open /tmp/demo/report.html
    """
    import optuna

    from regtune.datasets import DATASETS, dataset_path

    out.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{(out / 'demo.db').resolve()}"
    if (out / "demo.db").is_file() and "demo" in optuna.get_all_study_names(storage):
        optuna.delete_study(study_name="demo", storage=storage)
    path = dataset_path("cps1988")
    click.echo(f"Tuning on {path.name}: {DATASETS['cps1988'].description}")
    click.echo(
        f"Budget: {n_trials} trials or {timeout:.0f} s, {n_workers} workers; "
        f"{DEMO_BUDGET['cv']}-fold cross-validation; networks of 1-2 layers of 16-128 units, "
        f"{DEMO_SPACE['max_epochs']} epochs."
    )
    run_tune(
        read_table(path),
        DATASETS["cps1988"].target,
        out=out,
        storage=storage,
        data_path=os.fspath(path),
        study_name="demo",
        n_trials=n_trials,
        timeout=timeout,
        n_workers=n_workers,
        cv=DEMO_BUDGET["cv"],
        space=DEMO_SPACE,
        progress=_progress(quiet),
    )
