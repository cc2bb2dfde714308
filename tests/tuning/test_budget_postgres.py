"""The deadline holds across machines: ``tune`` and three ``regtune worker`` processes on one
PostgreSQL study all end within ``1.1 T + 5 s`` of ``tune``'s start (``tune``'s call: its budget
counts from there; the workers: their processes' exits).

The server is real (``conftest.postgres_url``); every worker is its own process, as on another
machine (they share this machine's folder, so they also write the best model file).
"""

import os
import subprocess
import sys
import textwrap
import time

import optuna
import pytest
from optuna.trial import TrialState

import regtune
from regtune.tuning import open_storage

pytestmark = [pytest.mark.postgres, pytest.mark.serial]

SPACE = {
    "n_layers": 2,
    "width": 64,
    "batch_size": 8,
    "max_epochs": 100_000,  # only the cost cap or the deadline ends a trial
    "learning_rate_init": {"low": 1e-4, "high": 1e-2},
    "alpha_per_row": 1e-3,
    "l1_per_row": 1e-6,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "max_onehot": 64,
    "decay_per_step": 1e-8,  # weight_decay 1e-5 at learning rate 1e-3
    "dropout": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
}


def _environment():
    return dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def _study_exists(url, name):
    """Whether ``tune`` created the study, read with plain SQL: opening an Optuna storage would
    create the tables itself, racing ``tune``'s own creation of them (as a worker started too
    early would; workers join a study once it exists)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM studies WHERE study_name = :name")
            return connection.execute(query, {"name": name}).scalar() == 1
    except SQLAlchemyError:  # no table yet
        return False
    finally:
        engine.dispose()


def test_tune_and_three_regtune_workers_exit_by_the_bound(postgres_url, small_binary, tmp_path):
    X, y = small_binary
    data = tmp_path / "data.csv"
    X.assign(label=y).to_csv(data, index=False)
    model = tmp_path / "out" / "model.regtune"
    timeout = 30.0
    script = textwrap.dedent(f"""
        import time
        import pandas as pd
        from regtune.tuning import tune
        frame = pd.read_csv({str(data)!r})
        start = time.time()
        tune(frame.drop(columns=["label"]), frame["label"], n_trials=1000, cv=2, timeout={timeout},
             storage={postgres_url!r}, study_name="deadline", space={SPACE!r}, data_path={str(data)!r},
             save_to={str(model)!r}, heartbeat_interval=1, progress=False)
        print(start, time.time())
    """)
    started = time.monotonic()
    tune_process = subprocess.Popen(
        [sys.executable, "-c", script], env=_environment(), stdout=subprocess.PIPE, text=True
    )
    processes = {"tune": tune_process}
    ended = {}
    try:
        while not _study_exists(postgres_url, "deadline"):
            assert processes["tune"].poll() is None, "tune ended before creating its study"
            assert time.monotonic() - started < timeout, "the study was not created within the budget"
            time.sleep(0.2)
        worker = ["worker", "--storage", postgres_url, "--study", "deadline", "-q"]
        for k in range(3):
            processes[f"worker {k}"] = subprocess.Popen(
                [sys.executable, "-c", "from regtune.cli import main; main()", *worker], env=_environment()
            )
        while len(ended) < len(processes):
            for name, process in processes.items():
                if name not in ended and process.poll() is not None:
                    ended[name] = time.time()
            assert time.monotonic() - started < 3 * timeout, f"still running: {set(processes) - set(ended)}"
            time.sleep(0.1)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    assert {name: p.returncode for name, p in processes.items()} == dict.fromkeys(processes, 0)
    called, returned = map(float, tune_process.stdout.read().split())
    ended["tune"] = returned
    seconds = {name: round(moment - called, 2) for name, moment in ended.items()}
    late = {name: s for name, s in seconds.items() if s > 1.1 * timeout + 5}
    assert not late, seconds
    study = optuna.load_study(study_name="deadline", storage=open_storage(postgres_url))
    trials = study.get_trials(deepcopy=False)
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert finished and all(
        t.datetime_complete.timestamp() <= study.user_attrs["job_end"] + 5 for t in finished
    )
    assert regtune.load(model).predict(X).shape == (len(X),)
