"""microgradnn: a from-scratch autograd engine to learn from.

`Value` is a scalar node, `Tensor` a numpy-backed one; both live on the same
graph core (`microgradnn.engine`). Submodules `nn`, `optim`, `data`, `viz` and
`testing` load on first use, so `import microgradnn` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from microgradnn.anomaly import detect_anomaly
from microgradnn.engine import (
    Function,
    Step,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from microgradnn.gradcheck import GradcheckError, gradcheck, gradgradcheck, numeric_grad
from microgradnn.scalar import Value

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    "Tensor": "microgradnn.tensor",
    "set_default_dtype": "microgradnn.tensor",
    "get_default_dtype": "microgradnn.tensor",
    "save": "microgradnn.serialization",
    "load": "microgradnn.serialization",
    "fit": "microgradnn.training",
    "History": "microgradnn.training",
    "TrainingError": "microgradnn.training",
    "LoadError": "microgradnn.serialization",
    "grad": "microgradnn.functional",
    "manual_seed": "microgradnn.tensor.creation",
}
_SUBMODULES = {"nn", "optim", "data", "viz", "testing", "cli", "training", "serialization", "functional"}

__all__ = [
    "Function",
    "GradcheckError",
    "detect_anomaly",
    "set_grad_enabled",
    "Step",
    "Value",
    "__version__",
    "enable_grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "numeric_grad",
    "topological_order",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"microgradnn.{name}")
    raise AttributeError(f"module 'microgradnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
