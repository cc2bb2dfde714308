"""Worker processes on this machine: ``tune`` with ``n_workers > 1`` starts them and waits.

Each runs ``python -m regtune.tuning._process`` with one BLAS/OpenMP thread and the storage URL in
its environment; they read the data from a file (the caller's ``data_path``, or a temporary
Parquet file written here).

The workers stop by themselves at the study's deadline. One still running ``HARD_STOP_SHARE`` of
the budget (plus 2 s) after the job's end (an epoch much longer than predicted) is interrupted
(SIGINT: its trial is marked interrupted and its slot given back, as with Ctrl-C), then killed
5 s later; the best model so far is on disk already.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from regtune.exceptions import RegtuneError

from ._budget import Budget
from ._progress import Progress

__all__ = ["run_local_workers", "worker_environment", "write_data"]

_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def worker_environment():
    """The environment of a local worker process: one BLAS/OpenMP thread."""
    env = dict(os.environ)
    env.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    return env


def write_data(X, y, folder):
    """Write (X, y) to ``folder/data.parquet`` (target column ``y.name``) for the workers to read;
    return its path."""
    path = Path(folder) / "data.parquet"
    X.assign(**{y.name: y.to_numpy()}).to_parquet(path)
    return str(path)


HARD_STOP_SHARE = 0.05
_POLL = 0.2


def _stop_late(processes, budget, stopping):
    """Interrupt (then kill) the workers still running past the hard stop; return ``stopping``."""
    if budget.job_end is None:
        return stopping
    hard_stop = budget.job_end + HARD_STOP_SHARE * budget.timeout + 2.0
    now = time.time()
    if now >= hard_stop and not stopping:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        return True
    if now >= hard_stop + 5.0:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return stopping


def run_local_workers(study, config, storage_url, n_workers, progress):
    """Start ``n_workers`` worker processes on this machine and wait for them."""
    env = worker_environment()
    env["REGTUNE_STORAGE"] = storage_url
    command = [sys.executable, "-m", "regtune.tuning._process", "--study", study.study_name]
    processes = [subprocess.Popen([*command, "--index", str(i)], env=env) for i in range(n_workers)]
    display = Progress(progress, config.n_trials, config.metric.direction, config.metric.name)
    budget = Budget.from_attrs(study.user_attrs)
    stopping, shown = False, 0.0
    try:
        while any(p.poll() is None for p in processes):
            if time.monotonic() - shown >= 0.5:
                display.update(study)
                shown = time.monotonic()
            stopping = _stop_late(processes, budget, stopping)
            time.sleep(_POLL)
        display.update(study)
    finally:
        display.close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
            process.wait()
    codes = [p.returncode for p in processes]
    if stopping:  # interrupted or killed by the hard stop: their finished trials are kept
        codes = [0 if code in (130, -signal.SIGINT, -signal.SIGKILL) else code for code in codes]
    if any(code != 0 for code in codes):
        raise RegtuneError(f"worker processes exited with codes {codes} (see their messages above)")
