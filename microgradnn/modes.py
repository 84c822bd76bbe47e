"""The per-thread modes every op reads: record the graph or not (`no_grad`), check for NaN or not (`detect_anomaly`).

Each mode is per thread, as in PyTorch. Reading a thread-local costs several
times a plain attribute, and every op reads both, so `SWITCHES.active` counts
the mode blocks open in any thread: while it is 0, every thread is in the
default modes (recording on, anomaly checks off) and ops skip the
thread-locals. That one check is the speed trick (about -15% per scalar op,
benchmarks/run.py); the blocks that change a mode call `entered()` and `left()`.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["ANOMALY", "GRAD_MODE", "SWITCHES", "entered", "generator_in_mode", "in_mode", "left"]


class _GradMode(threading.local):
    """Per-thread switch: ops record their parents (the default) or not."""

    enabled = True


class _AnomalyMode(threading.local):
    """Per-thread switch: ops check their results for NaN and inf, or not (the default)."""

    enabled = False


class _Switches:
    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = 0


GRAD_MODE = _GradMode()
ANOMALY = _AnomalyMode()
SWITCHES = _Switches()
_LOCK = threading.Lock()


def entered() -> None:
    """A mode block opened (in any thread)."""
    with _LOCK:
        SWITCHES.active += 1


def left() -> None:
    """A mode block closed (in any thread)."""
    with _LOCK:
        SWITCHES.active -= 1


def generator_in_mode(fn: Callable[..., Iterator[Any]], mode: Callable[[], Any]) -> Callable[..., Any]:
    """A generator function's decorator: `mode()` (a with-block) holds while its body runs, the caller's mode
    while it is paused, and its ``return`` value comes through (as PyTorch's decorators on generators)."""

    @functools.wraps(fn)
    def in_mode(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            with mode():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with mode():
                        gen.close()
                    raise
                except BaseException as error:
                    with mode():
                        response = gen.throw(error)
                else:
                    with mode():
                        response = gen.send(request)
        except StopIteration as stop:  # the body finished: so does this generator (an escaping StopIteration
            return stop.value  # would become "RuntimeError: generator raised StopIteration", PEP 479)

    return in_mode


def in_mode(fn: Callable[..., Any], mode: Callable[[], Any]) -> Callable[..., Any]:
    """`fn` decorated to run inside `mode()` (a with-block such as ``no_grad()``), for ``@no_grad`` and
    ``@detect_anomaly``: a fresh block per call, so recursion restores each level; a generator function's body
    through `generator_in_mode`."""
    if inspect.isgeneratorfunction(fn):
        return generator_in_mode(fn, mode)

    @functools.wraps(fn)
    def run_in_mode(*args: Any, **kwargs: Any) -> Any:
        with mode():
            return fn(*args, **kwargs)

    return run_in_mode
