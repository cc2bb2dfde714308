"""What ``tune`` says when it resumes a study: how far it got, and how to extend it or start anew.

Calling ``tune`` (``regtune tune``) again with the same storage and study name resumes the study
(its data checked by ``_fingerprint``). Without a word, a second run whose budget is already spent
runs no trial and shows the old result as if new; this line says so before anything runs.
"""

import sys

from ._slots import counted

__all__ = ["announce_resume", "resume_line"]


def resume_line(study, n_trials):
    """One sentence on resuming ``study`` with a budget of ``n_trials``; None for a new study.

    Read before ``tune`` records its settings, so ``study.user_attrs`` still hold the old budget.
    """
    old = study.user_attrs
    if not old:
        return None
    done = sum(counted(t) for t in study.get_trials(deepcopy=False))
    name = study.study_name
    start = f"resuming study {name!r} ({done} of {old.get('n_trials', '?')} trials done)"
    new_study = "for a new study, give another name (--study NAME, study_name=)"
    if done >= n_trials:
        more = max(2 * done, done + 1)
        return (
            f"{start}: the budget of {n_trials} trials is spent, so no trial will run; to run "
            f"{more - done} more, raise it (--trials {more}, n_trials={more}); {new_study}"
        )
    return f"{start}: running up to {n_trials - done} more (budget {n_trials}); {new_study}"


def announce_resume(study, n_trials, progress, stream=None):
    """Print :func:`resume_line` as a ``[regtune]`` line on stderr, unless ``progress`` is False."""
    line = resume_line(study, n_trials)
    if line is not None and progress is not False:
        print(f"[regtune] {line}", file=stream or sys.stderr, flush=True)
