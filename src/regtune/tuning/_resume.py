"""What ``tune`` says when it resumes a study: how far it got, and how to extend it or start anew.

Calling ``tune`` (``regtune tune``) again with the same storage and study name resumes the study
(its data checked by ``_fingerprint``). Without a word, a second run whose budget is already spent
runs no trial and shows the old result as if new; this line says so before anything runs. A study
whose recorded space names a hyperparameter this regtune no longer searches (``alpha``, ``l1``,
``weight_decay``: now searched per row or per step) is refused with one line that says so.
"""

import sys

from ._slots import counted, trials_done
from ._space import SearchSpace, _search_unit_hint

__all__ = ["announce_resume", "check_recorded_space", "resume_line"]


def check_recorded_space(study_name, attrs):
    """Refuse a study (``attrs``: its user attributes) whose recorded search space names a
    hyperparameter this regtune does not search: its trials cannot be resumed nor refit.

    Raises
    ------
    ValueError
        One line naming the study, the old names, what is searched instead and what to do.
    """
    default = SearchSpace.default()
    old = []
    for key in ("space", "space_requested"):
        spec = attrs.get(key) or {}
        for name in [*spec, *spec.get("drop", ())]:
            if name != "drop" and name not in default and name not in old:
                old.append(name)
    if old:
        hints = "".join(_search_unit_hint(name) for name in old)
        raise ValueError(
            f"study {study_name!r} was made by regtune {attrs.get('regtune_version', '?')}, whose search "
            f"space has {', '.join(map(repr, old))}, which this regtune does not search{hints}; its trials "
            "cannot be resumed or refit: start a new study under another name (--study NAME, study_name=)"
        )


def resume_line(study, n_trials):
    """One sentence on resuming ``study`` with a budget of ``n_trials`` (None: no trial limit, a
    study with a time limit); None for a new study.

    Read before ``tune`` records its settings, so ``study.user_attrs`` still hold the old budget.
    """
    old = study.user_attrs
    if not old:
        return None
    done = sum(counted(t) for t in study.get_trials(deepcopy=False))
    name = study.study_name
    budget = old.get("n_trials", "?")
    start = f"resuming study {name!r} ({trials_done(done, budget)})"
    new_study = "for a new study, give another name (--study NAME, study_name=)"
    if n_trials is None:
        return f"{start}: running more until the time limit (no trial limit); {new_study}"
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
