"""Timing helpers: best-of-repeats, interleaved so both sides see the same machine load."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """The fastest of `repeats` runs, in seconds (the least disturbed by other processes)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def compare(
    candidates: dict[str, Callable[[], object]], repeats: int = 5, rounds: int = 3, gc_enabled: bool = True
) -> dict[str, float]:
    """Best time of each candidate, measured in alternating rounds so load affects all alike."""
    results = {name: float("inf") for name in candidates}
    was_enabled = gc.isenabled()
    if not gc_enabled:
        gc.disable()
    try:
        for fn in candidates.values():  # warm up every candidate first
            fn()
        for _ in range(rounds):
            for name, fn in candidates.items():
                results[name] = min(results[name], best_time(fn, repeats=repeats, warmup=1))
    finally:
        if was_enabled:
            gc.enable()
    return results
