"""Activation functions as modules, to put between layers in a `Sequential`.

Each one applies its function elementwise to a Tensor, a Value or a list of
Values (`Softmax` normalises along an axis, or over a list of Values).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from microgradnn.nn import functional as F
from microgradnn.nn.module import Module

__all__ = ["LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Step", "Tanh"]


def _check_inplace(inplace: Any, who: str) -> None:
    """PyTorch's `inplace=` flag: False (the default) is accepted; True is refused with the fix, since here every
    op makes a new tensor (overwriting one a graph saved would break its backward)."""
    if inplace:
        raise ValueError(
            f"{who}: inplace={inplace!r} is not supported: layers here always return a new tensor (overwriting the "
            "input could break the backward of a graph that saved it); drop the argument: the values are the same"
        )


class ReLU(Module):
    """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0.  (`inplace` is PyTorch's flag: only False is accepted.)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _check_inplace(inplace, "ReLU")

    def forward(self, x: Any) -> Any:
        return F.relu(x)


class LeakyReLU(Module):
    """f(x) = x for x > 0, else negative_slope * x;  f'(x) = 1 or negative_slope."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        _check_inplace(inplace, "LeakyReLU")
        if (
            isinstance(negative_slope, bool)
            or not isinstance(negative_slope, numbers.Real)  # (numpy's floats too: np.float32(0.2))
            or not math.isfinite(negative_slope)
        ):
            raise TypeError(
                f"LeakyReLU: negative_slope must be a finite number, got {negative_slope!r}; e.g. negative_slope=0.01"
            )
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""

    def forward(self, x: Any) -> Any:
        return F.tanh(x)


class Sigmoid(Module):
    """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""

    def forward(self, x: Any) -> Any:
        return F.sigmoid(x)


class Step(Module):
    """The chapter's step function: f(x) = 1 if x >= 0 else 0;  f'(x) = 0, so nothing before it learns."""

    def forward(self, x: Any) -> Any:
        return F.step(x)


class Softmax(Module):
    """softmax(x)_i = e^(x_i) / sum_j e^(x_j) along `axis` (the last one by default; PyTorch's ``dim=`` too)."""

    def __init__(self, axis: int = -1, *, dim: int | None = None) -> None:
        super().__init__()
        if dim is not None:
            axis = dim
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Softmax: axis must be an int, got {axis!r}; e.g. axis=-1 (the last axis)")
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
