"""Worker processes on this machine: ``tune`` with ``n_workers > 1`` starts them and waits.

Each runs ``python -m regtune.tuning._process`` with one BLAS/OpenMP thread and the storage URL in
its environment; they read the data from a file (the caller's ``data_path``, or a temporary
Parquet file written here).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from regtune.exceptions import RegtuneError

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


def run_local_workers(study, config, storage_url, n_workers, progress):
    """Start ``n_workers`` worker processes on this machine and wait for them."""
    env = worker_environment()
    env["REGTUNE_STORAGE"] = storage_url
    command = [sys.executable, "-m", "regtune.tuning._process", "--study", study.study_name]
    processes = [subprocess.Popen([*command, "--index", str(i)], env=env) for i in range(n_workers)]
    display = Progress(progress, config.n_trials, config.metric.direction, config.metric.name)
    log = PeriodicLog(study, config, progress=progress)
    try:
        while any(p.poll() is None for p in processes):
            display.update(study)
            log.tick()
            time.sleep(0.5)
        display.update(study)
    finally:
        display.close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
            process.wait()
    codes = [p.returncode for p in processes]
    if any(code != 0 for code in codes):
        raise RegtuneError(f"worker processes exited with codes {codes} (see their messages above)")
