"""Worker processes on this machine: ``tune`` with ``n_workers > 1`` and a ``timeout`` starts
``n_workers - 1`` of them and works as the first worker itself (worker processes need seconds to
start); without a ``timeout`` it starts ``n_workers`` and only watches them.

Each runs ``python -m regtune.tuning._process`` with one BLAS/OpenMP thread and the storage URL in
its environment; they read the data from a file (the caller's ``data_path``, or a temporary
Parquet file written here).

The workers stop by themselves at the study's deadline. When this process's own share ends and
no trial is running, the worker processes still alive hold none (they may still be starting up):
they are terminated at once. One still running ``HARD_STOP_SHARE`` of
the budget (plus 1 s) after the job's end (an epoch much longer than predicted) is interrupted
(SIGINT: its trial is marked interrupted and its slot given back, as with Ctrl-C), then killed
5 s later; the best model so far is on disk already.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from optuna.trial import TrialState

from regtune.exceptions import RegtuneError

from ._budget import Budget
from ._periodic_log import PeriodicLog
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


HARD_STOP_SHARE = 0.02
_POLL = 0.2


def _stop_late(processes, budget, stopping):
    """Interrupt (then kill) the workers still running past the hard stop; return ``stopping``."""
    if budget.job_end is None:
        return stopping
    hard_stop = budget.job_end + HARD_STOP_SHARE * budget.timeout + 1.0
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


def _watch(processes, budget, state):
    """Background thread: apply the hard stop while any worker process runs."""
    while any(p.poll() is None for p in processes) and not state["done"]:
        state["stopping"] = _stop_late(processes, budget, state["stopping"])
        time.sleep(_POLL)


def run_local_workers(study, config, storage_url, n_processes, progress, run_here=None):
    """Start ``n_processes`` worker processes on this machine; run ``run_here(display)`` (this
    process's own share of the trials, given the progress display) meanwhile, then wait for them.

    This process works too because a worker process needs seconds to start (imports), which on a
    short budget on busy cores can be all of it.
    """
    env = worker_environment()
    env["REGTUNE_STORAGE"] = storage_url
    command = [sys.executable, "-m", "regtune.tuning._process", "--study", study.study_name]
    first = 0 if run_here is None else 1  # this process is worker 0
    processes = [
        subprocess.Popen([*command, "--index", str(i)], env=env) for i in range(first, first + n_processes)
    ]
    display = Progress.of_study(progress, config, study)
    log = PeriodicLog(study, config, progress=progress)
    state = {"stopping": False, "done": False}
    watcher = threading.Thread(
        target=_watch, args=(processes, Budget.from_attrs(study.user_attrs), state), daemon=True
    )
    watcher.start()
    try:
        if run_here is not None:
            run_here(display)
        while any(p.poll() is None for p in processes):
            display.update(study)
            log.tick()
            if run_here is not None and not study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                # This process stopped at the deadline or with the budget spent, and no trial runs:
                # the other workers hold none (one may still be starting up); stop them now.
                for process in processes:
                    if process.poll() is None:
                        process.terminate()
                state["stopping"] = True
            time.sleep(_POLL)
        display.update(study)
    finally:
        state["done"] = True
        display.close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
            process.wait()
        watcher.join()
    codes = [p.returncode for p in processes]
    if state["stopping"]:  # interrupted or killed by the hard stop: their finished trials are kept
        codes = [
            0 if code in (130, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL) else code for code in codes
        ]
    if any(code != 0 for code in codes):
        raise RegtuneError(f"worker processes exited with codes {codes} (see their messages above)")
