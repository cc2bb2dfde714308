"""Ctrl-C and the study's storage: a storage call happens whole, and no lock outlives the interrupt."""

import os
import random
import signal
import sqlite3
import threading

import optuna
import pytest
from sqlalchemy import event

from regtune.tuning import open_storage
from regtune.tuning._interrupts import defer_interrupts
from regtune.tuning._optuna_internals import set_user_attrs


@pytest.fixture
def interruptible():
    """SIGINT raises KeyboardInterrupt here, even where the suite was started with it ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _write_lock_is_free(path):
    """True when another connection can take the file's write lock at once."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        connection.close()


def test_an_interrupt_in_the_body_is_raised_when_it_ends(interruptible):
    done = []
    with pytest.raises(KeyboardInterrupt), defer_interrupts():
        with defer_interrupts():
            signal.raise_signal(signal.SIGINT)
            done.append("inner")
        done.append("outer")  # the inner exit delivered it to the outer, which holds it still
    assert done == ["inner", "outer"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_an_interrupt_nothing_is_raised_and_the_handler_is_restored(interruptible):
    with defer_interrupts():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_storage_calls_from_another_thread_leave_the_signal_handlers_alone(tmp_path, interruptible):
    # Only the main thread may set a signal handler; a heartbeat thread's call must not try to.
    storage = open_storage(f"sqlite:///{tmp_path / 't.db'}")
    study = optuna.create_study(storage=storage, study_name="t")
    errors = []

    def call():
        try:
            study.tell(study.ask(), 1.0)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    assert errors == []
    assert [t.state for t in study.get_trials()] == [optuna.trial.TrialState.COMPLETE]


def test_an_interrupt_during_a_write_comes_after_it_committed(tmp_path, interruptible):
    # The signal arrives right after the driver ran the UPDATE that finishes a trial. Raised there,
    # inside SQLAlchemy, it cut the call short: the trial stayed RUNNING with no value. Held back,
    # the call finishes (the trial COMPLETE, its value stored) and the interrupt follows.
    path = tmp_path / "w.db"
    storage = open_storage(f"sqlite:///{path}")
    study = optuna.create_study(storage=storage, study_name="w")
    trial = study.ask()
    sent = []

    @event.listens_for(storage.engine, "after_cursor_execute")
    def _interrupt(conn, cursor, statement, parameters, context, executemany):
        if not sent and statement.lstrip().upper().startswith("UPDATE TRIALS"):
            sent.append(statement)
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as raised:
        study.tell(trial, 0.5)
    assert sent
    assert _write_lock_is_free(path)
    fresh = optuna.load_study(study_name="w", storage=open_storage(f"sqlite:///{path}"))
    assert [(t.state, t.value) for t in fresh.get_trials()] == [(optuna.trial.TrialState.COMPLETE, 0.5)]
    del raised  # the traceback referenced the storage's frames; the lock was free regardless


def test_an_interrupt_during_regtunes_own_transactions_comes_after_them(tmp_path, interruptible):
    path = tmp_path / "a.db"
    storage = open_storage(f"sqlite:///{path}")
    study = optuna.create_study(storage=storage, study_name="a")
    trial = study.ask()

    @event.listens_for(storage.engine, "after_cursor_execute")
    def _interrupt(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO TRIAL_USER_ATTRIBUTES"):
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        set_user_attrs(trial, {"a": 1, "b": 2})
    assert _write_lock_is_free(path)
    fresh = optuna.load_study(study_name="a", storage=open_storage(f"sqlite:///{path}"))
    assert fresh.get_trials()[0].user_attrs == {"a": 1, "b": 2}


def test_interrupts_at_random_moments_never_leave_the_write_lock_held(tmp_path, interruptible):
    # The way Ctrl-C meets a running study: anywhere in ask, report and tell. Before the storage
    # held interrupts back, one raised inside the driver's execute (about one in ten) left the
    # file's write lock held as long as its traceback lived: the handler's own write then waited
    # out the 60 s busy timeout.
    path = tmp_path / "r.db"
    study = optuna.create_study(storage=open_storage(f"sqlite:///{path}"), study_name="r")
    rng = random.Random(0)
    interrupted = 0
    while interrupted < 60:
        timer = threading.Timer(rng.uniform(0.0, 0.02), os.kill, (os.getpid(), signal.SIGINT))
        try:
            timer.start()
            while True:
                trial = study.ask()
                for epoch in range(3):
                    trial.report(rng.random(), epoch)
                study.tell(trial, rng.random())
        except KeyboardInterrupt as error:
            interrupted += 1
            held = error  # keep the traceback alive, as the code that handles an interrupt does
        timer.join()  # it fired already: its one SIGINT was caught above
        assert _write_lock_is_free(path), f"interrupt {interrupted}: {held!r}"


def test_a_local_worker_process_takes_sigint_back_from_a_parent_that_ignores_it(tmp_path, monkeypatch):
    # tune stops a late worker with SIGINT; a tune started with `&` by a script has SIGINT ignored,
    # which its workers inherit. The worker's entry point restores Python's handler first thing.
    from regtune.tuning import _process

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        monkeypatch.setenv("REGTUNE_STORAGE", f"sqlite:///{tmp_path / 'w.db'}")
        with pytest.raises(ValueError, match="does not exist"):
            _process._main(["--study", "missing"])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
