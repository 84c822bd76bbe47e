"""Tensor layers: `Linear`, `Sequential`, `Dropout`, `Flatten`, `Unflatten`.

A `Linear` layer computes y = x W^T + b for a batch x of shape (N, in_features),
with W of shape (out_features, in_features) as in PyTorch. It is one node in
the graph, "linear" with parents (x, W, b), rather than three (transpose,
matmul, add): pictures show one box per layer, and backward has a third of
the nodes to visit. Layers are chained with `Sequential`::

    model = Sequential(Linear(64, 128), ReLU(), Linear(128, 10))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.nn import functional as F
from microgradnn.nn import init
from microgradnn.nn.activations import _check_inplace
from microgradnn.nn.init import Seed
from microgradnn.nn.module import Module, ModuleList, Parameter
from microgradnn.tensor import Tensor, get_default_dtype
from microgradnn.tensor.fused import linear

__all__ = ["Dropout", "Flatten", "Linear", "Sequential", "Unflatten"]

_INITS = ("default", "kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "zeros")


def _float_dtype(dtype: Any, who: str) -> np.dtype:
    """The dtype of a layer's weights: the default float dtype for None, else a float dtype (weights are trained by
    gradients, so an int or bool weight could never move)."""
    if dtype is None:
        return np.dtype(get_default_dtype())
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who}: dtype {dtype!r} is not a numpy dtype; use dtype=np.float32 or np.float64") from None
    if resolved.kind != "f":
        raise TypeError(
            f"{who}: dtype must be a float dtype for trainable weights, got {resolved} (from {dtype!r}); "
            "use dtype=np.float32 (the default) or np.float64"
        )
    return resolved


class Linear(Module):
    """y = x W^T + b;  dy/dW = upstream^T x,  dy/db = sum of upstream over the batch,  dy/dx = upstream W.

    init: "default" is PyTorch's (W and b from U(-1/sqrt(in), 1/sqrt(in)));
    "kaiming_uniform"/"kaiming_normal" suit ReLU networks, "xavier_uniform"/
    "xavier_normal" tanh and sigmoid ones (biases start at 0 for those); "zeros".
    seed: an int or a numpy Generator for reproducible weights.
    An int or bool input is converted to the weight's dtype first, as an int operand meets a float one in
    PyTorch: ``Linear(2, 1)(Tensor([[1, 2]]))`` is float32.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        init: str = "default",
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {n!r}; e.g. Linear(2, 16)")
        if not isinstance(init, str) or init not in _INITS:
            raise ValueError(f"Linear: unknown init {init!r}; choose one of {_INITS}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Linear: bias must be True or False, got {bias!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        dtype = _float_dtype(dtype, "Linear")
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=dtype), label="weight")
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype), label="bias") if bias else None
        self.reset_parameters(seed)

    def reset_parameters(self, seed: Seed = None) -> None:
        """Draw fresh weights (and biases) with this layer's `init` rule."""
        rng = init.get_rng(seed)
        if self.init == "default":
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.weight, -bound, bound, seed=rng)
            if self.bias is not None:
                init.uniform_(self.bias, -bound, bound, seed=rng)
            return
        if self.init == "zeros":
            init.zeros_(self.weight)
        else:
            getattr(init, self.init + "_")(self.weight, seed=rng)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self._name()}: expected input with {self.in_features} features in its last axis, got shape {shape}"
            )
        if x.data.dtype.kind in "biu":  # PyTorch's rule: an int or bool operand meets a float one in the float's dtype
            x = x.astype(self.weight.data.dtype)
        return linear(x, self.weight, self.bias)

    def _name(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(ModuleList):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x))). Children are named "0", "1", ...

    Indexing, len(), iteration and append() come from `ModuleList`.
    """

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: argument {i} is a {type(module).__name__} ({module!r}), not a Module; "
                    "pass layers such as Linear(2, 3) or ReLU()"
                )
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


class Dropout(Module):
    """Training: zero each entry with probability p and scale the rest by 1/(1-p). Eval: the identity.

    Call ``model.eval()`` before measuring accuracy, ``model.train()`` before training again.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, seed: Seed = None) -> None:
        super().__init__()
        self.p = F._check_probability(p, "Dropout")
        _check_inplace(inplace, "Dropout")
        self._rng = init.get_rng(seed) if seed is not None else None

    def forward(self, x: Any) -> Any:
        return F.dropout(x, self.p, training=self.training, seed=self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one (PyTorch's default keeps the batch axis: (N, 8, 8) -> (N, 64))."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Flatten: {name} must be an int, got {value!r}; e.g. Flatten(start_dim=1)")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into the axes `unflattened_size`, Flatten's inverse: Unflatten(1, (8, 8)) takes (N, 64) to
    (N, 8, 8). One size may be -1 (inferred); the sizes must multiply to the axis length, checked when called."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}; e.g. Unflatten(1, (8, 8))")
        sizes = unflattened_size
        if not isinstance(sizes, (tuple, list)) or any(isinstance(n, bool) or not isinstance(n, int) for n in sizes):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple of ints, got {sizes!r}; e.g. Unflatten(1, (8, 8))"
            )
        if any(n < -1 for n in sizes) or list(sizes).count(-1) > 1:
            raise ValueError(
                f"Unflatten: unflattened_size {tuple(sizes)} may hold sizes >= 0 and at most one -1 (the size "
                "inferred from the rest)"
            )
        self.dim, self.unflattened_size = dim, tuple(sizes)

    def forward(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
