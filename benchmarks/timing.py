"""Timing helpers: best-of-repeats, interleaved so both sides see the same machine load."""

from __future__ import annotations

import gc
import statistics
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


def paired_ratio(
    numerator: Callable[[], object], denominator: Callable[[], object], block: int = 5, pairs: int = 40
) -> float:
    """The median over `pairs` rounds of (time of `block` numerator steps) / (time of `block` denominator steps).

    Each round times one block of each side back to back (a training loop's steps run back to back), the side
    that goes first alternating, so a burst of load on this shared machine spoils one ratio instead of one side's
    best time. On the 784-512-256-10 MLP step, four runs gave best-time ratios of 0.89 to 1.10 and paired
    medians of 1.045 to 1.065.
    """
    numerator()
    denominator()
    ratios = []
    for i in range(pairs):
        first, second = (numerator, denominator) if i % 2 == 0 else (denominator, numerator)
        t_first, t_second = _block_time(first, block), _block_time(second, block)
        ratios.append(t_first / t_second if i % 2 == 0 else t_second / t_first)
    return statistics.median(ratios)


def _block_time(fn: Callable[[], object], block: int) -> float:
    start = time.perf_counter()
    for _ in range(block):
        fn()
    return time.perf_counter() - start
