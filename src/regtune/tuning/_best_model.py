"""Anytime results: the best model so far, kept in memory and written to the study's model file.

Whenever a trial ends with a model (complete, or stopped by the deadline), the process that ran it
offers that trial's fold ensemble (:meth:`BestModel.offer`). It replaces the kept one when its
cross-validated score (at its best epoch) is better; on a tie a complete trial wins. With a
``path`` (``tune(save_to=...)``, ``regtune tune --out``; the study records it as ``model_path``),
the model is written there by ``regtune.save``, which writes a temporary file and renames it, so
the file is always a whole model, and a job killed at any moment leaves the best model so far.

Several processes may write the same file (local workers; ``regtune worker``s on machines that see
the same folder). Which trial the file holds is recorded in a lock file beside it,
``.<name>.lock`` (JSON: study, trial, score, complete, kind); a writer holds an exclusive ``flock``
on it while it compares, writes the model and updates the record, so a slower writer never replaces
a better model. A worker on a machine where the folder does not exist writes nothing (``tune`` then
rebuilds the best trial's ensemble itself, see ``_final_model``). Without ``fcntl`` (Windows) the
lock is skipped: writes stay atomic, and the last writer wins.

When ``tune`` ends it moves the record into the study (user attribute ``model_file``) and removes
the lock file, so the output folder holds only the model; a resumed study with the same file
puts the record back first (:func:`store_record`, :func:`restore_record`).
"""

import contextlib
import json
import logging
import time
from pathlib import Path

from optuna.trial import TrialState

__all__ = [
    "BestModel",
    "holds",
    "lock_path",
    "read_record",
    "restore_record",
    "save_final",
    "store_record",
]

_logger = logging.getLogger("regtune.tuning")


def lock_path(path):
    """The lock and record file beside the model file ``path``."""
    path = Path(path)
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def _locked(path):
    """Open ``path``'s record file with an exclusive lock held; yields the open file."""
    with open(lock_path(path), "a+", encoding="utf-8") as file:
        try:
            import fcntl
        except ModuleNotFoundError:  # Windows: no advisory lock
            fcntl = None
        if fcntl is not None:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            yield file
        finally:
            if fcntl is not None:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _read(file):
    file.seek(0)
    try:
        record = json.loads(file.read() or "null")
    except ValueError:  # a record cut short by a kill: as if there were none
        return None
    return record if isinstance(record, dict) else None


def read_record(path):
    """What the model file at ``path`` holds: ``{"study", "trial", "score", "complete"}`` or None."""
    if not lock_path(path).is_file() or not Path(path).is_file():
        return None
    with _locked(path) as file:
        return _read(file)


def holds(path, study_uid, trial_number):
    """Whether the model file at ``path`` holds the fold ensemble of that trial of that study."""
    record = None if path is None else read_record(path)
    return bool(
        record
        and record.get("study") == study_uid
        and record.get("trial") == trial_number
        and record.get("kind", "ensemble") == "ensemble"
    )


def save_final(model, path, *, study_uid, trial, kind):
    """Save ``trial``'s final model to ``path``, recorded with the trial's rank (so that only a
    better trial of a resumed study replaces it) and its ``kind``: "ensemble" (a
    ``FoldEnsemble``), "refit" or "array" (an ensemble behind a step naming array columns)."""
    import regtune

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    complete = trial.state == TrialState.COMPLETE  # a pruned trial's value is its last epoch's
    score = trial.value if complete else trial.user_attrs.get("best_score")
    record = {
        "study": study_uid,
        "trial": trial.number,
        "score": float(score),
        "complete": complete,
        "kind": kind,
    }
    with _locked(path) as file:
        regtune.save(model, path)
        _write(file, record)


def store_record(study, path):
    """Move the record of the model file at ``path`` into ``study`` (user attribute
    ``model_file``) and remove the lock file."""
    lock = lock_path(path)
    if not lock.is_file():
        return
    record = read_record(path)
    if record is not None:
        study.set_user_attr("model_file", {**record, "path": str(Path(path).resolve())})
    lock.unlink(missing_ok=True)


def restore_record(study, path):
    """Put back the record :func:`store_record` kept, when the study writes the same model file
    again and the file is there."""
    record = study.user_attrs.get("model_file")
    path = Path(path)
    if not record or record.get("path") != str(path.resolve()) or not path.is_file():
        return
    with _locked(path) as file:
        if _read(file) is None:
            _write(file, {k: v for k, v in record.items() if k != "path"})


def _write(file, record):
    file.seek(0)
    file.truncate()
    file.write(json.dumps(record))
    file.flush()


def _rank(record, sign):
    """Sort key, lower is better: the better score, then a complete trial first."""
    return (sign * record["score"], not record["complete"])


class BestModel:
    """The best model so far of one study in one process.

    Parameters
    ----------
    study_name : str
    direction : {"minimize", "maximize"}
    path : str or Path, optional
        The model file shared by the study's processes (None: memory only).
    keep : bool, default=True
        Keep the best model in memory (``tune``'s own process); workers only write it.
    """

    def __init__(self, study_name, direction, path=None, *, keep=True):
        self.study_name, self.path, self.keep = study_name, None if path is None else Path(path), keep
        self.sign = 1.0 if direction == "minimize" else -1.0
        self.record, self.model = None, None
        if self.path is not None and not self.path.parent.is_dir():
            _logger.warning(
                "the model folder %s does not exist on this machine: this process writes no model",
                self.path.parent,
            )
            self.path = None
        if self.path is not None:  # load the writer now, not at the first (maybe last) write
            import skops.io  # noqa: F401  (regtune.save imports it on first use: seconds on busy cores)

    def _better(self, record, than):
        if than is None or than.get("study") != self.study_name:
            return True
        return _rank(record, self.sign) < _rank(than, self.sign)

    def offer(self, trial, score, complete, make_model):
        """Keep and write ``make_model()`` (called at most once) if it beats the best so far.

        Returns True when the model file was written (without a file: when the model was kept).
        """
        record = {
            "study": self.study_name,
            "trial": trial.number,
            "score": float(score),
            "complete": complete,
        }
        model = None
        if self.keep and self._better(record, self.record):
            model = make_model()
            self.record, self.model = record, model
        if self.path is None:
            return model is not None
        with _locked(self.path) as file:
            if not self._better(record, _read(file)):
                return False
            import regtune

            model = make_model() if model is None else model
            started = time.perf_counter()
            regtune.save(model, self.path)
            record["save_seconds"] = time.perf_counter() - started
            _write(file, record)
        return True
