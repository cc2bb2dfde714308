"""Ctrl-C (SIGINT) held back while the main thread talks to the study's storage.

Python raises ``KeyboardInterrupt`` at the next bytecode boundary after the signal, wherever that
is. Inside a database call that can be the moment the driver returned from a write that opened a
transaction: SQLAlchemy then closes the connection, but SQLite keeps it (and its write lock) alive
as long as the interrupted cursor is referenced, and the traceback being handled references it. The
trial's own "interrupted" record that follows waited on that lock for the 60 s busy timeout, twice
(``tune`` hung for minutes after a Ctrl-C). So a storage call finishes first, and the interrupt is
raised when it returns: a call either happened whole or not at all, and no lock outlives it.
"""

import contextlib
import functools
import signal
import threading

__all__ = ["defer_interrupts", "defer_interrupts_in_methods", "deferring_interrupts"]


@contextlib.contextmanager
def defer_interrupts():
    """Run the body with SIGINT held back; deliver it to the previous handler when the body ends.

    Only the main thread receives Python's signal handlers, so elsewhere (a heartbeat thread) and
    where SIGINT has no Python handler (ignored, or the system default) this does nothing. Nested
    uses deliver once, at the outermost exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield
        return
    caught = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            previous(*caught[0])


def deferring_interrupts(function):
    """``function`` run under :func:`defer_interrupts`."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        with defer_interrupts():
            return function(*args, **kwargs)

    return call


def defer_interrupts_in_methods(names):
    """Class decorator: each method in ``names`` of the class runs under :func:`defer_interrupts`."""

    def decorate(cls):
        for name in names:
            setattr(cls, name, deferring_interrupts(getattr(cls, name)))
        return cls

    return decorate
