"""Ctrl-C (SIGINT) held back while the main thread talks to the study's storage.

Python raises ``KeyboardInterrupt`` at the next bytecode boundary after the signal, wherever that
is. Inside a storage call it cuts the call short (a trial told COMPLETE stays RUNNING), and raised
inside the driver's ``cursor.execute`` it leaves the connection's transaction, SQLite write lock
included, alive for as long as the traceback being handled lives (SQLAlchemy closes the
connection, but SQLite keeps one with an unfinalized statement). The trial's "interrupted" record
written while handling it then waited out the 60 s busy timeout, and CI saw ``tune`` still running
120 s after a Ctrl-C. So a storage call finishes first, and the interrupt is raised when it
returns: a call happens whole, and no lock outlives it.
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
