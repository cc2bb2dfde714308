"""Load: eight worker processes on one PostgreSQL study of many short trials.

``regtune tune --workers 8`` (eight ``regtune.tuning._process`` workers) runs a budget of 80 trials of
a trivial space on a tiny table; the study must end with exactly 80 finished trials, unique trial
numbers, none RUNNING or WAITING, none lost. Timings are printed, never asserted; the storage
overhead per trial is measured by running this file as a script (see docs/reliability.md)::

    OMP_NUM_THREADS=1 .venv/bin/python tests/reliability/test_load.py
"""

import sys
import time
from pathlib import Path

import pytest
from optuna.trial import TrialState

BUDGET, WORKERS = 80, 8
# Seconds after which the run counts as hung: a guard, not a speed check. Generous, because the run
# took over 180 s once on 2 cores that other jobs kept at a load of 10-15.
HANG = 900
# One layer of 2 units, 1 epoch, 2 folds on 40 rows, every other parameter fixed except the
# learning rate: a trial is a few milliseconds of NumPy, so the storage dominates.
TRIVIAL_SPACE = {
    "n_layers": 1,
    "width": 2,
    "max_epochs": 1,
    "batch_size": 40,
    "dropout": 0.0,
    "batch_norm": False,
    "alpha_per_row": 1e-5,
    "l1_per_row": 0.0,
    "decay_per_step": 0.0,
    "smooth": 10.0,
    "learning_rate_init": {"low": 1e-3, "high": 1e-1},
}


@pytest.mark.postgres
@pytest.mark.serial  # every one of 8 processes must get a trial: no other test's load on their start-up
def test_eight_workers_finish_exactly_the_budget(pg, tmp_path, tools):
    tools.frame(40).to_csv(tmp_path / "data.csv", index=False)
    tools.write_space(tmp_path / "space.toml", TRIVIAL_SPACE)
    started = time.monotonic()
    code, out, err = tools.run(
        "tune",
        "data.csv",
        "--target",
        "y",
        "--trials",
        BUDGET,
        "--workers",
        WORKERS,
        "--cv",
        2,
        "--space",
        "space.toml",
        "--storage",
        pg.url,
        "--study",
        "load",
        "--pruner",
        "none",
        "--out",
        "out",
        "-q",
        cwd=tmp_path,
        timeout=HANG,
    )
    wall = time.monotonic() - started
    assert code == 0, err
    all_trials = tools.trials(pg.url, "load")
    states = [t.state for t in all_trials]
    assert states.count(TrialState.COMPLETE) == BUDGET
    assert len(all_trials) == BUDGET, "no slot was lost, duplicated or created outside the budget"
    assert sorted(t.number for t in all_trials) == list(range(BUDGET))
    assert len({t._trial_id for t in all_trials}) == BUDGET
    # Every one of the eight processes took part, and each trial ran in exactly one of them.
    workers = {t.user_attrs["worker"] for t in all_trials}
    assert len(workers) == WORKERS
    assert f"Trials: {BUDGET} complete, 0 pruned, 0 failed" in out
    assert tools.files_under(tmp_path / "out") == ["best_params.toml", "model.regtune", "report.html"]
    fit = sum(t.user_attrs["fit_time"] for t in all_trials)
    print(
        f"\n{BUDGET} trials, {WORKERS} workers: {wall:.1f} s wall (process start, refit and "
        f"report included); objective time {fit:.1f} s in all"
    )


def _instrument_storage():
    """Time every public method of Optuna's ``RDBStorage`` and regtune's batched attribute write
    (outermost calls only, all threads).

    Returns the dict the timers add to: ``seconds`` and ``calls``.
    """
    import functools
    import threading

    from optuna.storages import RDBStorage

    spent, local = {"seconds": 0.0, "calls": 0}, threading.local()

    def timed(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            depth = getattr(local, "depth", 0)
            local.depth = depth + 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                local.depth = depth
                if depth == 0:
                    spent["seconds"] += time.perf_counter() - started
                    spent["calls"] += 1

        return wrapper

    for name, method in list(vars(RDBStorage).items()):
        if name.startswith("_") or isinstance(method, (staticmethod, classmethod, property)):
            continue
        if callable(method):
            setattr(RDBStorage, name, timed(method))
    # A trial's user attributes go to the storage in one transaction, outside the public methods.
    from regtune.tuning import _objective

    _objective.set_user_attrs = timed(_objective.set_user_attrs)
    return spent


def _measure(storage, n_trials, table, spent):
    """Per trial: wall seconds, seconds inside Optuna's storage calls, number of storage calls."""
    import regtune

    X, y = table.drop(columns="y"), table["y"]
    before = dict(spent)
    started = time.perf_counter()
    regtune.tune(
        X,
        y,
        storage=storage,
        study_name=f"overhead-{time.time_ns()}",
        n_trials=n_trials,
        cv=2,
        space=TRIVIAL_SPACE,
        refit=False,
        progress=False,
        pruner="none",
    )
    wall = time.perf_counter() - started
    return (
        wall / n_trials,
        (spent["seconds"] - before["seconds"]) / n_trials,
        (spent["calls"] - before["calls"]) / n_trials,
    )


def main(rounds=3):
    """Storage overhead per trial: one worker, 80 trivial trials, SQLite file vs PostgreSQL.

    The objective (two folds of a 2-unit network, one epoch) is the same everywhere. Every public
    method of Optuna's ``RDBStorage`` is timed (claiming the slot, sampling from the study's
    history, reporting each epoch, heartbeats, telling the result), and the storages are run in
    turn ``rounds`` times; the median of each figure is printed.
    """
    import statistics
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import frame
    from pg_server import PgServer

    table = frame(40)
    folder = tempfile.mkdtemp()
    spent = _instrument_storage()
    _measure(f"sqlite:///{folder}/warm.db", 5, table, spent)  # imports, first calls
    with PgServer() as server:
        storages = {"SQLite file (WAL)": f"sqlite:///{folder}/o.db", "PostgreSQL (local)": server.url}
        figures = {name: [] for name in storages}
        for _ in range(rounds):
            for name, storage in storages.items():
                figures[name].append(_measure(storage, BUDGET, table, spent))
    for name, rows in figures.items():
        wall, inside, calls = (statistics.median(column) for column in zip(*rows))
        print(
            f"{name:20s} {1000 * wall:6.1f} ms/trial wall, {1000 * inside:6.1f} ms in "
            f"{calls:4.1f} storage calls ({100 * inside / wall:4.1f} %)"
        )


if __name__ == "__main__":
    main()
