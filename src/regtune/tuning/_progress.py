"""Showing a study's progress: a live tqdm bar on a terminal, plain log lines otherwise."""

import sys
import time

from optuna.trial import TrialState

from ._slots import counted

__all__ = ["Progress"]


class Progress:
    """Counts a study's finished, pruned and failed trials and its best value, and shows them.

    Parameters
    ----------
    mode : "auto", True or False
        "auto": a bar when stderr is a terminal, log lines when not; True: always the bar;
        False: nothing.
    total : int
        The study's budget.
    direction : {"minimize", "maximize"}
    metric : str
    stream : file, optional
        Default ``sys.stderr``.
    study : optuna.Study, optional
        The study shown: the trials it has already finished are summed up once, in one line (or
        the bar's starting count), and only the trials that finish later get a line of their own.
    """

    def __init__(self, mode, total, direction, metric, stream=None, study=None):
        if mode not in ("auto", True, False):
            raise ValueError(f"progress must be 'auto', True or False, got {mode!r}")
        self.stream = stream or sys.stderr
        self.enabled = mode is not False
        self.bar = None
        self.total, self.direction, self.metric = total, direction, metric
        self.start = time.monotonic()
        # The trials finished before this display started (a resumed study's, other workers'): one
        # summary line, or the bar's starting count, not a line each as if they were new.
        earlier = self._finished(study) if self.enabled and study is not None else []
        self.seen = {t.number for t in earlier}
        is_terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        if self.enabled and (mode is True or is_terminal):
            from tqdm.auto import tqdm

            done = sum(counted(t) for t in earlier)
            self.bar = tqdm(total=total, initial=done, unit="trial", file=self.stream, dynamic_ncols=True)
        elif earlier:
            self._print(f"{len(earlier)} trials finished before this run | {self._summary(earlier)}")

    @staticmethod
    def _finished(study):
        return [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]

    def _summary(self, finished):
        """``complete=3 pruned=1 failed=0 best rmse=512.3`` over ``finished`` trials."""
        counts = {
            state: sum(t.state == state for t in finished)
            for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
        }
        values = [t.value for t in finished if t.state == TrialState.COMPLETE]
        best = (min if self.direction == "minimize" else max)(values) if values else None
        return (
            f"complete={counts[TrialState.COMPLETE]} pruned={counts[TrialState.PRUNED]} "
            f"failed={counts[TrialState.FAIL]} best {self.metric}=" + ("-" if best is None else f"{best:.5g}")
        )

    def _print(self, text):
        elapsed = time.monotonic() - self.start
        print(f"[regtune] {elapsed:7.1f}s {text}", file=self.stream, flush=True)

    def update(self, study):
        """Refresh from ``study``'s trials (read only when something is shown)."""
        if not self.enabled:
            return
        finished = self._finished(study)
        summary = self._summary(finished)
        if self.bar is not None:
            done = sum(counted(t) for t in finished)
            self.bar.update(max(0, done - self.bar.n))
            self.bar.set_postfix_str(summary, refresh=True)
            return
        for trial in finished:
            if trial.number in self.seen:
                continue
            self.seen.add(trial.number)
            state = trial.state.name.lower()
            detail = f" value={trial.value:.5g}" if trial.value is not None else ""
            reason = trial.user_attrs.get("fail_reason")
            detail += f" reason={reason}" if reason else ""
            self._print(f"trial {trial.number} {state}{detail} | {summary}")

    def close(self):
        if self.bar is not None:
            self.bar.close()
