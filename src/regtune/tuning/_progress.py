"""Showing a study's progress: a live tqdm bar on a terminal, plain log lines otherwise."""

import sys
import time

from optuna.trial import TrialState

from ._slots import counted

__all__ = ["Progress", "check_progress", "is_terminal"]


def check_progress(progress):
    """Raise ``ValueError`` unless ``progress`` is "auto", True or False (every display's switch)."""
    if progress not in ("auto", True, False):
        raise ValueError(f"progress must be 'auto', True or False, got {progress!r}")


def is_terminal(stream):
    """Whether ``stream`` is a terminal (where "auto" draws a bar)."""
    return hasattr(stream, "isatty") and stream.isatty()


def _trials(n):
    return f"{n} trial" if n == 1 else f"{n} trials"


class Progress:
    """Counts a study's finished, pruned and failed trials and its best value, and shows them.

    Parameters
    ----------
    mode : "auto", True or False
        "auto": a bar when stderr is a terminal, log lines when not; True: always the bar;
        False: nothing.
    total : int or None
        The study's budget of trials; None for a study without a trial limit (its deadline ends
        it): the bar then shows the time, up to ``deadline``, and counts the trials beside it.
    direction : {"minimize", "maximize"}
    metric : str
    stream : file, optional
        Default ``sys.stderr``.
    study : optuna.Study, optional
        The study shown: the trials it has already finished are summed up once, in one line (or
        the bar's starting count), and only the trials that finish later get a line of their own.
    deadline : float, optional
        The search's deadline (unix time): with ``total`` None the bar runs from now to it, in
        seconds, as :meth:`tick` and :meth:`update` are called.
    """

    def __init__(self, mode, total, direction, metric, stream=None, study=None, deadline=None):
        check_progress(mode)
        self.stream = stream or sys.stderr
        self.enabled = mode is not False
        self.bar = None
        self.total, self.direction, self.metric = total, direction, metric
        self.start = time.monotonic()
        # The trials finished before this display started (a resumed study's, other workers'): one
        # summary line, or the bar's starting count, not a line each as if they were new.
        earlier = self._finished(study) if self.enabled and study is not None else []
        self.seen = {t.number for t in earlier}
        done = sum(counted(t) for t in earlier)
        # A study without a trial limit: a bar of the seconds up to its deadline (None: no total).
        self.seconds = None
        if total is None and deadline is not None:
            self.seconds = max(1, round(deadline - time.time()))
        if self.enabled and (mode is True or is_terminal(self.stream)):
            from tqdm.auto import tqdm

            if self.seconds is not None:
                self.bar = tqdm(
                    total=self.seconds,
                    unit="s",
                    bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}",  # postfix: ", ..."
                    file=self.stream,
                    dynamic_ncols=True,
                )
                self.bar.set_postfix_str(_trials(done), refresh=True)
            else:
                self.bar = tqdm(total=total, initial=done, unit="trial", file=self.stream, dynamic_ncols=True)
        elif earlier:
            self._print(f"{len(earlier)} trials finished before this run | {self._summary(earlier)}")

    @classmethod
    def of_study(cls, mode, config, study):
        """The display of ``study`` run with ``config`` (a ``StudyConfig``): its trial budget and
        deadline, its metric."""
        return cls(
            mode,
            config.n_trials,
            config.metric.direction,
            config.metric.name,
            study=study,
            deadline=config.deadline,
        )

    @staticmethod
    def _finished(study):
        return [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]

    def _summary(self, finished, best_first=False):
        """``complete=3 pruned=1 failed=0 best rmse=512.3`` over ``finished`` trials; with
        ``best_first``, ``best rmse=512.3 | complete=3 pruned=1 failed=0`` (the bar's postfix: a
        narrow terminal cuts the line's end, and the best score is what a user watches)."""
        counts = {
            state: sum(t.state == state for t in finished)
            for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
        }
        values = [t.value for t in finished if t.state == TrialState.COMPLETE]
        best = (min if self.direction == "minimize" else max)(values) if values else None
        best = f"best {self.metric}=" + ("-" if best is None else f"{best:.5g}")
        states = (
            f"complete={counts[TrialState.COMPLETE]} pruned={counts[TrialState.PRUNED]} "
            f"failed={counts[TrialState.FAIL]}"
        )
        return f"{best} | {states}" if best_first else f"{states} {best}"

    def _print(self, text):
        elapsed = time.monotonic() - self.start
        print(f"[regtune] {elapsed:7.1f}s {text}", file=self.stream, flush=True)

    def update(self, study):
        """Refresh from ``study``'s trials (read only when something is shown)."""
        if not self.enabled:
            return
        finished = self._finished(study)
        summary = self._summary(finished, best_first=self.bar is not None)
        if self.bar is not None:
            done = sum(counted(t) for t in finished)
            if self.seconds is None:
                self.bar.update(max(0, done - self.bar.n))
                self.bar.set_postfix_str(summary, refresh=True)
            else:
                self.bar.set_postfix_str(f"{_trials(done)} | {summary}", refresh=False)
                self.tick()
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

    def tick(self):
        """Move a bar of seconds to the time now (cheap: reads no trial; called every epoch)."""
        if self.bar is None or self.seconds is None:
            return
        elapsed = min(self.seconds, time.monotonic() - self.start)
        if elapsed - self.bar.n >= 0.5:
            self.bar.n = elapsed
            self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()
