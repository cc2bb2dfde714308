"""A log line every ``LOG_INTERVAL`` seconds while trials run, when progress goes to a log, not a terminal.

``Progress`` prints a line when a trial finishes; a trial may run for minutes, and a log that says
nothing for minutes looks like a hang. This one says, while trials run: which trial, at which epoch
and with which validation score, how many trials of the budget are done, the best score so far and
the time left before the deadline. It reads all of that from the study's storage (each reported
epoch is stored by ``trial.report``), so the same lines serve one worker (``tick`` after each epoch)
and the parent of local worker processes (``tick`` at each poll).
"""

import sys
import time

from optuna.trial import TrialState

from ._default_trial import default_trial_record
from ._progress import is_terminal
from ._slots import counted, trials_done

__all__ = ["LOG_INTERVAL", "PeriodicLog", "log_lines_wanted"]

LOG_INTERVAL = 10.0  # seconds between two lines


def log_lines_wanted(progress, stream):
    """Whether ``progress`` shows as log lines on ``stream``: "auto" and not a terminal (see ``Progress``)."""
    return progress == "auto" and not is_terminal(stream)


class PeriodicLog:
    """Prints what the running trials are doing, at most once per ``interval`` seconds.

    Parameters
    ----------
    study : optuna.Study
    config : StudyConfig
        The study's settings: budget, metric and direction, deadline, epoch budget.
    progress : "auto", True or False
        Lines only for "auto" when ``stream`` is not a terminal.
    deadline : float, optional
        This worker's own deadline (unix time), besides the study's.
    interval : float, optional
        Seconds between two lines; default ``LOG_INTERVAL`` (read at construction).
    stream : file, optional
        Default ``sys.stderr``.
    clock : callable
        Seconds, for the interval and the elapsed time (``time.monotonic``; a test passes its own).
    """

    def __init__(
        self, study, config, *, progress, deadline=None, interval=None, stream=None, clock=time.monotonic
    ):
        self.study, self.config, self.deadline = study, config, deadline
        self.stream = stream or sys.stderr
        self.enabled = log_lines_wanted(progress, self.stream)
        self.interval = LOG_INTERVAL if interval is None else float(interval)
        self.clock = clock
        self.start = self.last = clock()

    def tick(self):
        """Print the running trials' lines if ``interval`` seconds passed since the last ones."""
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        for line in self.lines(now - self.start):
            print(line, file=self.stream, flush=True)

    def lines(self, elapsed):
        """One line per running trial: ``[regtune] 20.0s trial 3 running: epoch 12 of 50 ...``."""
        trials = self.study.get_trials(deepcopy=False)
        running = [t for t in trials if t.state == TrialState.RUNNING]
        metric = self.config.metric
        values = [t.value for t in trials if t.state == TrialState.COMPLETE]
        best = (min if metric.direction == "minimize" else max)(values) if values else None
        done = sum(counted(t) for t in trials)
        study_part = (
            f"{trials_done(done, self.config.n_trials)}, best {metric.name}="
            + ("-" if best is None else f"{best:.5g}")
            + f" | {self._time_left()}"
        )
        out = []
        for trial in running:
            n_epochs = int(trial.params.get("max_epochs", self.config.space.max_epochs()))
            n_epochs = int(default_trial_record(trial)[1] or n_epochs)  # a default trial's own
            n_epochs = min(n_epochs, int(trial.user_attrs.get("epoch_cap", n_epochs)))
            if trial.intermediate_values:
                epoch = max(trial.intermediate_values)
                doing = (
                    f"epoch {epoch} of {n_epochs}, validation {metric.name} "
                    f"{trial.intermediate_values[epoch]:.5g}"
                )
            else:
                doing = "preparing its folds"
            out.append(f"[regtune] {elapsed:7.1f}s trial {trial.number} running: {doing} | {study_part}")
        return out

    def _time_left(self):
        deadlines = [d for d in (self.deadline, self.config.deadline) if d is not None]
        if not deadlines:
            return "no time limit"
        left = max(0.0, min(deadlines) - time.time())
        return f"{left:.0f} s left"
