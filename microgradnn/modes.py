"""The per-thread modes every op reads: record the graph or not (`no_grad`), check for NaN or not (`detect_anomaly`).

Each mode is per thread, as in PyTorch. Reading a thread-local costs several
times a plain attribute, and every op reads both, so `SWITCHES.active` counts
the mode blocks open in any thread: while it is 0, every thread is in the
default modes (recording on, anomaly checks off) and ops skip the
thread-locals. That one check is the speed trick (about -15% per scalar op,
benchmarks/run.py); the blocks that change a mode call `entered()` and `left()`.
"""

from __future__ import annotations

import threading

__all__ = ["ANOMALY", "GRAD_MODE", "SWITCHES", "entered", "left"]


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
