"""Bridges to other libraries. PyTorch: `to_torch`, `from_torch`, `compare_with_torch`.

PyTorch is an optional extra (``pip install "microgradnn[torch]"``); nothing
else in microgradnn needs it, and it is imported only when one of these
functions is called.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Comparison", "compare_with_torch", "from_torch", "to_torch"]


def __getattr__(name: str) -> Any:
    # Import microgradnn.interop.torch (and so PyTorch) only on first use.
    if name in __all__:
        from microgradnn.interop import torch as _bridge

        return getattr(_bridge, name)
    raise AttributeError(f"module 'microgradnn.interop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
