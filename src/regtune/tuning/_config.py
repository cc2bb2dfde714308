"""What a study needs to run a trial anywhere, stored in ``study.user_attrs`` so workers share it."""

from dataclasses import dataclass

import numpy as np

from ._metrics import Metric, resolve_metric
from ._space import SearchSpace

__all__ = ["StudyConfig", "trial_seed"]


def trial_seed(study_seed, number):
    """The seed of trial ``number``: a function of the study seed and the trial number only.

    Uses ``numpy.random.SeedSequence`` so neighbouring trials get unrelated streams.
    """
    state = np.random.SeedSequence([int(study_seed), int(number)]).generate_state(1)[0]
    return int(state & 0x7FFFFFFF)


@dataclass
class StudyConfig:
    """The settings every worker of a study reads from ``study.user_attrs``."""

    task: str
    metric: Metric
    target: str
    categorical: list
    numeric: list
    cv: int
    seed: int
    pruner: str
    space: SearchSpace
    data_path: str | None
    n_trials: int | None  # None: no trial limit (a study with a deadline)
    deadline: float | None
    trial_timeout: float | None
    heartbeat_interval: int
    n_rows: int

    def to_attrs(self):
        """The ``study.user_attrs`` records (JSON-able; names fixed by the report)."""
        from regtune import __version__

        return {
            "regtune_version": __version__,
            "task": self.task,
            "metric": self.metric.name,
            "direction": self.metric.direction,
            "target": self.target,
            "n_rows": self.n_rows,
            "n_features": len(self.categorical) + len(self.numeric),
            "categorical": list(self.categorical),
            "numeric": list(self.numeric),
            "cv": self.cv,
            "seed": self.seed,
            "pruner": self.pruner,
            "space": self.space.to_dict(),
            "data_path": self.data_path,
            "n_trials": self.n_trials,
            "deadline": self.deadline,
            "trial_timeout": self.trial_timeout,
            "heartbeat_interval": self.heartbeat_interval,
        }

    @classmethod
    def from_attrs(cls, attrs):
        """Rebuild the settings from ``study.user_attrs`` (raises if the study is not regtune's)."""
        if "task" not in attrs or "space" not in attrs:
            raise ValueError("study was not created by regtune.tune (its user_attrs lack 'task' and 'space')")
        metric_name = attrs["metric"]
        return cls(
            task=attrs["task"],
            metric=resolve_metric(metric_name, attrs["task"]),
            target=attrs["target"],
            categorical=list(attrs["categorical"]),
            numeric=list(attrs["numeric"]),
            cv=int(attrs["cv"]),
            seed=int(attrs["seed"]),
            pruner=attrs["pruner"],
            space=SearchSpace.from_dict(attrs["space"]),
            data_path=attrs.get("data_path"),
            n_trials=None if attrs["n_trials"] is None else int(attrs["n_trials"]),
            deadline=attrs.get("deadline"),
            trial_timeout=attrs.get("trial_timeout"),
            heartbeat_interval=int(attrs.get("heartbeat_interval", 10)),
            n_rows=int(attrs.get("n_rows", 0)),
        )
