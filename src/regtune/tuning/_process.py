"""Entry point of the worker processes ``tune`` starts on this machine (``n_workers > 1``).

``python -m regtune.tuning._process --study NAME --index I``, with the storage URL in the
environment variable ``REGTUNE_STORAGE`` (so a password never shows in the process list) and one
BLAS thread (set by ``tune`` before NumPy loads). Worker ``I`` seeds its sampler from the study seed
and ``I``.
"""

import argparse
import os
import signal
import sys

import numpy as np
import optuna
from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import SQLAlchemyError

from ._sampling import study_sampler
from ._storage import mask_password, storage_error_reason
from ._worker import load_data, open_study, run_study


def _worker_seed(study_seed, index):
    return int(np.random.SeedSequence([int(study_seed), 1_000_003, int(index)]).generate_state(1)[0])


def _main(argv=None):
    parser = argparse.ArgumentParser(description="A regtune worker process started by tune.")
    parser.add_argument("--study", required=True)
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args(argv)
    # tune stops a late worker with SIGINT (its trial is then marked interrupted and its slot given
    # back). A tune started in the background by a non-interactive shell has SIGINT ignored, and
    # its workers would inherit that and run on until killed 5 s later, their trial left RUNNING.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    storage = os.environ["REGTUNE_STORAGE"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study, config = open_study(storage, args.study)
        study.sampler = study_sampler(_worker_seed(config.seed, args.index), config)
        X, y = load_data(config)
        run_study(study, config, X, y)
    except KeyboardInterrupt:
        return 130
    except (SQLAlchemyError, StorageInternalError) as error:
        reason = storage_error_reason(error)
        print(
            f"Error: worker {args.index} lost the storage {mask_password(storage)}: "
            f"{reason}; finished trials are kept, rerun regtune worker to resume",
            file=sys.stderr,
        )
        return 1
    return 0


def _exit(code):
    """Exit without the interpreter's teardown of NumPy, pandas, scikit-learn and Optuna (up to
    seconds on busy cores, and ``tune`` waits for its workers): flush, then ``os._exit``. The
    storage holds every result already; nothing else needs finalizing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(_main())
