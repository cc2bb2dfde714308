"""Fixtures of the fault, load and security tests: data files, real processes, a PostgreSQL server.

Faults are injected into real processes: ``regtune`` commands and small Python drivers run with
``subprocess``, killed with SIGKILL or interrupted with SIGINT, while the test polls the study's
storage. The PostgreSQL server comes from ``tests/pg_server.py``; one is shared by the session (the
restart test starts its own, since it stops it).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import optuna
import pandas as pd
import pytest

from pg_server import PgServer

REPORT_TESTS = Path(__file__).resolve().parents[1] / "report"
if str(REPORT_TESTS) not in sys.path:  # the browser helpers of tests/report, imported by name
    sys.path.insert(0, str(REPORT_TESTS))

REGTUNE = str(Path(sys.executable).parent / "regtune")
# A suite started in the background by a non-interactive shell has SIGINT ignored, its children
# inherit that, and Python then never raises KeyboardInterrupt in them: the Ctrl-C tests would see
# a `tune` finish instead. A handled SIGINT is reset to the default in a child, so restore it here.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# Trials of a few tenths of a second: one layer of 4 units, 2 epochs, 2 folds on 60 rows.
QUICK_SPACE = {
    "n_layers": 1,
    "width": 4,
    "max_epochs": 2,
    "batch_size": 32,
    "learning_rate_init": {"low": 1e-3, "high": 3e-2},
    "dropout": 0.0,
    "batch_norm": False,
}
# Trials of one to three seconds on 2 cores (600 rows, 30 epochs), so that a test can catch one
# "mid-trial": RUNNING with at least one epoch reported.
SLOW_SPACE = {
    "n_layers": 1,
    "width": 32,
    "max_epochs": 30,
    "batch_size": 16,
    "learning_rate_init": {"low": 1e-3, "high": 3e-2},
    "dropout": 0.0,
    "batch_norm": False,
}


def environment():
    """The environment of every child process: one BLAS thread, regtune's tracebacks off."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("REGTUNE_DEBUG", None)
    return env


def frame(n_rows, seed=0):
    """A binary table: numbers ``x1``, ``x2``, a category ``city`` and the target ``y`` (yes/no)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n_rows), rng.normal(size=n_rows)
    city = rng.choice(["north", "south", "east"], size=n_rows)
    logit = 1.5 * x1 - x2 + (city == "north")
    y = np.where(logit + rng.logistic(size=n_rows) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "city": city, "y": y})


def write_space(path, space):
    """Write a search-space dict as the TOML file ``tune --space`` reads."""
    lines = []
    for name, value in space.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} = {v!r}" for k, v in value.items())
            lines.append(f"{name} = {{{inner}}}")
        elif isinstance(value, bool):
            lines.append(f"{name} = {'true' if value else 'false'}")
        else:
            lines.append(f"{name} = {value!r}")
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


def driver(script, *args, cwd):
    """Start ``python -c script args`` (a small program calling the library) in its own group."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def command(*args, cwd):
    """Start ``regtune args`` as a child process (stdout and stderr captured)."""
    return subprocess.Popen(
        [REGTUNE, *map(str, args)],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run(*args, cwd, timeout=120):
    """Run ``regtune args`` to the end: (exit code, stdout, stderr)."""
    process = command(*args, cwd=cwd)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def finish(process, timeout=120):
    """Wait for a child; kill its whole group if it outlives ``timeout``. (code, stdout, stderr)."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"process {process.args[:3]} ran past {timeout} s; stderr: {err[-2000:]}")
    return process.returncode, out, err


def wait_for(condition, timeout, what, poll=0.1):
    """Poll ``condition()`` until it returns something truthy; fail naming ``what`` after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


_OPENED = {}


def trials(storage, study_name):
    """The study's trials read afresh from ``storage`` ([] while the study does not exist yet)."""
    from regtune.tuning import open_storage

    if storage not in _OPENED:  # one engine per URL: polling stays fast
        _OPENED[storage] = open_storage(storage)
    try:
        study = optuna.load_study(study_name=study_name, storage=_OPENED[storage])
    except KeyError:
        return []
    return study.get_trials(deepcopy=False)


def running_mid_trial(storage, study_name, max_epochs=SLOW_SPACE["max_epochs"] // 3):
    """A RUNNING trial that named its worker and has reported 1 to ``max_epochs`` epochs, or None.

    The cap leaves the trial two thirds of its epochs (a second or more) to run, so the fault
    injected right after this returns lands inside this trial, not after it.
    """
    for trial in trials(storage, study_name):
        if (
            trial.state == optuna.trial.TrialState.RUNNING
            and "worker" in trial.user_attrs
            and 1 <= len(trial.intermediate_values) <= max_epochs
        ):
            return trial
    return None


def counted(trial):
    """Whether a trial uses a unit of the budget (the tuner's rule, restated for the oracle)."""
    states = optuna.trial.TrialState
    return trial.state in (states.COMPLETE, states.PRUNED) or (
        trial.state == states.FAIL and "fail_reason" in trial.user_attrs
    )


def files_under(folder):
    """Every file below ``folder``, relative, sorted (hidden temporary files included)."""
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def tools():
    """The helpers above, for the test modules (which cannot import a ``conftest`` by name)."""
    return SimpleNamespace(
        REGTUNE=REGTUNE,
        QUICK_SPACE=QUICK_SPACE,
        SLOW_SPACE=SLOW_SPACE,
        environment=environment,
        frame=frame,
        write_space=write_space,
        driver=driver,
        command=command,
        run=run,
        finish=finish,
        wait_for=wait_for,
        trials=trials,
        running_mid_trial=running_mid_trial,
        counted=counted,
        files_under=files_under,
    )


@pytest.fixture(scope="session")
def pg():
    """A PostgreSQL server shared by the session's tests that do not stop it."""
    server = PgServer().start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def quick_files(tmp_path):
    """``data.csv`` (60 rows) and ``space.toml`` (QUICK_SPACE) in ``tmp_path``."""
    frame(60).to_csv(tmp_path / "data.csv", index=False)
    write_space(tmp_path / "space.toml", QUICK_SPACE)
    return tmp_path


@pytest.fixture
def slow_files(tmp_path):
    """``data.csv`` (600 rows) and ``space.toml`` (SLOW_SPACE) in ``tmp_path``."""
    frame(600).to_csv(tmp_path / "data.csv", index=False)
    write_space(tmp_path / "space.toml", SLOW_SPACE)
    return tmp_path
