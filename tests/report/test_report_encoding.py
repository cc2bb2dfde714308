"""The summary names each categorical column's encoding, as the best trial recorded it."""

import html

import synthetic_studies as synthetic
from optuna.trial import TrialState, create_trial

from regtune.report import build_report

HOSTILE = "<b>city</b>"


def _study(encodings):
    """Three categorical columns; trial i (value 3 - i: the last is best) records ``encodings[i]``."""
    study = synthetic.new_study(len(encodings))
    study.set_user_attr("categorical", [HOSTILE, "smoker", "region"])
    for i, encoding in enumerate(encodings):
        attrs = {"valid_curve": [[3.0 - i]], "train_curve": [[1.0]], "n_epochs": 1, "best_epoch": 1}
        if encoding is not None:
            attrs["encoding"] = encoding
        study.add_trial(
            create_trial(
                state=TrialState.COMPLETE,
                value=3.0 - i,
                params={"dropout": 0.1 * i},
                distributions={"dropout": synthetic.DISTRIBUTIONS["dropout"]},
                user_attrs=attrs,
                intermediate_values={1: 3.0 - i},
            )
        )
    return study


def _row(page):
    start = page.index("<th>Categorical columns")
    return page[start : page.index("</tr>", start)]


def test_the_summary_shows_the_best_trials_encoding_per_column():
    worse = {HOSTILE: "target", "smoker": "binary", "region": "target"}
    best = {HOSTILE: "target", "smoker": "binary", "region": "onehot"}
    page = build_report(_study([worse, best]))
    expected = f"{html.escape(HOSTILE)} (target-encoded), smoker (one ±1 column), region (one-hot)"
    assert _row(page) == f"<th>Categorical columns (best trial&#x27;s encoding)</th><td>{expected}</td>"
    assert HOSTILE not in page


def test_without_a_recorded_encoding_the_summary_lists_the_columns():
    page = build_report(_study([None, None]))
    assert _row(page) == f"<th>Categorical columns</th><td>{html.escape(HOSTILE)}, smoker, region</td>"
