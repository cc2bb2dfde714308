"""Listing the studies of a storage with their trial counts and best values."""

from optuna.trial import TrialState

from ._optuna_internals import study_id
from ._storage import open_storage

__all__ = ["list_studies"]


def list_studies(storage=None):
    """Summaries of the studies in ``storage``.

    Returns
    -------
    list of dict
        Keys ``name``, ``n_complete``, ``n_pruned``, ``n_failed``, ``n_running``, ``best_value``,
        ``direction``, ``metric``, ``task``.
    """
    storage = open_storage(storage)
    rows = []
    for summary in storage.get_all_studies():
        trials = storage.get_all_trials(study_id(summary), deepcopy=False)
        states = [t.state for t in trials]
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        direction = summary.user_attrs.get("direction", summary.direction.name.lower())
        best = None
        if complete:
            pick = min if direction == "minimize" else max
            best = pick(t.value for t in complete)
        rows.append(
            {
                "name": summary.study_name,
                "n_complete": states.count(TrialState.COMPLETE),
                "n_pruned": states.count(TrialState.PRUNED),
                "n_failed": states.count(TrialState.FAIL),
                "n_running": states.count(TrialState.RUNNING),
                "best_value": best,
                "direction": direction,
                "metric": summary.user_attrs.get("metric"),
                "task": summary.user_attrs.get("task"),
            }
        )
    return rows
