"""The PyTorch bridge: carry a model over to PyTorch and back, and check our numbers against PyTorch's.

* `to_torch(module)` builds the equivalent ``torch.nn`` module holding the same
  weights (copies, in the same dtype): the scalar `Neuron`, `Layer` and `MLP`
  become a ``torch.nn.Sequential`` of ``Linear`` layers and activations; the
  tensor `Linear`, `Sequential`, `Flatten`, `Unflatten`, `Dropout` and the activation
  modules map one to one.
* `from_torch(module)` is the reverse, for the tensor modules.
* Convolutions (`Conv1d`, `Conv2d`, `ConvTranspose2d`, with their `padding_mode`), pooling,
  `BatchNorm1d`/`2d` (with their running statistics), `LayerNorm`, `GroupNorm`, `Embedding` and
  `LeNet` map too; train/eval mode is kept.
* A module used in several places converts to one shared module (its weights stay tied), frozen parameters
  stay frozen, and a subclass that overrides ``forward`` or an option the other side lacks is refused.
* `compare_with_torch(fn, *inputs)` runs one function (or one model) on both
  engines and returns a `Comparison`: a table of the forward values and the
  gradients with their largest differences, that prints as text and shows as
  HTML in a notebook.

PyTorch is optional (``pip install "microgradnn[torch]"``); this module imports it.
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover - exercised only where torch is missing
    raise ImportError(
        "microgradnn.interop needs PyTorch, an optional extra: pip install 'microgradnn[torch]' "
        "(a CPU-only build: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    ) from e

from microgradnn import nn
from microgradnn.nn.module import _BufferSnapshot
from microgradnn.scalar import Value
from microgradnn.tensor import Tensor

__all__ = ["Comparison", "Row", "compare_with_torch", "from_torch", "to_torch"]


class TorchStep(torch.nn.Module):
    """The chapter's step activation in PyTorch: 1 where z >= 0, else 0; its gradient is 0 everywhere, as ours."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (z >= 0).to(z.dtype) + 0 * z  # `0 * z` keeps the graph, so the (zero) gradient reaches z


# Activation names of the scalar networks -> a fresh torch module (None: the identity).
_SCALAR_ACTIVATIONS: dict[str, Callable[[], torch.nn.Module] | None] = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),  # Value.leaky_relu's default slope, PyTorch's too
    "step": TorchStep,
    "linear": None,
}

# What each direction converts, for the errors (and the docstrings) to list.
_TO_TORCH = (
    "MLP, Layer, Neuron, Linear, Sequential, LeNet, Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, "
    "AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Embedding, Flatten, Unflatten, Dropout, ReLU, "
    "LeakyReLU, Tanh, Sigmoid, Softmax, Step"
)
_FROM_TORCH = (
    "Linear, Sequential, Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, "
    "BatchNorm2d, LayerNorm, GroupNorm, Embedding, Flatten, Unflatten, Dropout, ReLU, LeakyReLU, Tanh, Sigmoid, "
    "Softmax, TorchStep"
)


# The classes each direction converts (a subclass converts as the first of these in its MRO).
_TO_TORCH_TYPES: tuple[type, ...] = (
    nn.MLP, nn.Layer, nn.Neuron, nn.Linear, nn.Sequential, nn.LeNet, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d,
    nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm,
    nn.Embedding, nn.Flatten, nn.Unflatten, nn.Dropout, nn.LeakyReLU, nn.Softmax,
)  # fmt: skip
_FROM_TORCH_TYPES: tuple[type, ...] = (
    torch.nn.Linear, torch.nn.Sequential, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.ConvTranspose2d,
    torch.nn.MaxPool2d, torch.nn.AvgPool2d, torch.nn.AdaptiveAvgPool2d, torch.nn.BatchNorm1d, torch.nn.BatchNorm2d,
    torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.Embedding, torch.nn.Flatten, torch.nn.Unflatten,
    torch.nn.Dropout, torch.nn.LeakyReLU, torch.nn.Softmax,
)  # fmt: skip


def _torch_dtype(dtype: Any) -> torch.dtype:
    return {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}.get(
        np.dtype(dtype), torch.float64
    )


def _torch_linear(weight: np.ndarray, bias: np.ndarray | None) -> torch.nn.Linear:
    out_features, in_features = weight.shape
    layer = torch.nn.Linear(in_features, out_features, bias=bias is not None, dtype=_torch_dtype(weight.dtype))
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.array(weight)))
        if bias is not None:
            layer.bias.copy_(torch.from_numpy(np.array(bias)))
    return layer


def _copy_into(theirs: torch.nn.Module, arrays: dict[str, np.ndarray | None]) -> torch.nn.Module:
    """Copy numpy arrays into the torch module's parameters and buffers of the same names (None: absent)."""
    state = theirs.state_dict()
    with torch.no_grad():
        for name, value in arrays.items():
            if value is not None and name in state:
                state[name].copy_(torch.from_numpy(np.array(value)))
    return theirs


def _param(p: Any) -> np.ndarray | None:
    return None if p is None else p.data


def _conv_to_torch(module: nn.Module) -> torch.nn.Module:
    dtype = _torch_dtype(module.weight.data.dtype)
    common = dict(
        stride=module.stride, padding=module.padding, dilation=module.dilation, groups=module.groups,
        padding_mode=module.padding_mode,
    )  # fmt: skip
    bias = module.bias is not None
    if isinstance(module, nn.ConvTranspose2d):
        theirs = torch.nn.ConvTranspose2d(
            module.in_channels, module.out_channels, module.kernel_size, output_padding=module.output_padding,
            bias=bias, dtype=dtype, **common,
        )  # fmt: skip
    else:
        kind = torch.nn.Conv1d if isinstance(module, nn.Conv1d) else torch.nn.Conv2d
        theirs = kind(module.in_channels, module.out_channels, module.kernel_size, bias=bias, dtype=dtype, **common)
    return _copy_into(theirs, {"weight": module.weight.data, "bias": _param(module.bias)})


def _norm_to_torch(module: nn.Module) -> torch.nn.Module:
    if isinstance(module, nn.LayerNorm):
        dtype = _torch_dtype(module.weight.data.dtype) if module.weight is not None else torch.float32
        theirs = torch.nn.LayerNorm(
            module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
            bias=module.bias is not None, dtype=dtype,
        )  # fmt: skip
        return _copy_into(theirs, {"weight": _param(module.weight), "bias": _param(module.bias)})
    if isinstance(module, nn.GroupNorm):
        dtype = _torch_dtype(module.weight.data.dtype) if module.weight is not None else torch.float32
        # bias=False only when asked for: older PyTorch versions have no bias argument on GroupNorm
        no_bias = {"bias": False} if module.affine and module.bias is None else {}
        theirs = torch.nn.GroupNorm(
            module.num_groups, module.num_channels, eps=module.eps, affine=module.affine, dtype=dtype, **no_bias
        )
        return _copy_into(theirs, {"weight": _param(module.weight), "bias": _param(module.bias)})
    kind = torch.nn.BatchNorm1d if isinstance(module, nn.BatchNorm1d) else torch.nn.BatchNorm2d
    stats = module.running_mean if module.running_mean is not None else None
    some = module.weight.data if module.weight is not None else stats
    theirs = kind(
        module.num_features, eps=module.eps, momentum=module.momentum, affine=module.affine,
        track_running_stats=module.track_running_stats, dtype=_torch_dtype(some.dtype if some is not None else "f4"),
    )  # fmt: skip
    _copy_into(
        theirs,
        {
            "weight": _param(module.weight),
            "bias": _param(module.bias),
            "running_mean": module.running_mean,
            "running_var": module.running_var,
            "num_batches_tracked": None
            if module.running_mean is None
            else np.array(module.num_batches_tracked, dtype=np.int64),
        },
    )
    return theirs


def _scalar_layers(module: nn.Module) -> list[nn.Layer]:
    if isinstance(module, nn.MLP):
        return list(module.layers)
    if isinstance(module, nn.Layer):
        return [module]
    return []


def _scalar_layer_arrays(layer: nn.Layer) -> tuple[np.ndarray, np.ndarray]:
    """A scalar Layer's weights (nout x nin) and biases (nout), as float64 arrays."""
    weight = np.array([[w.data for w in neuron.w] for neuron in layer.neurons], dtype=np.float64)
    bias = np.array([neuron.b.data for neuron in layer.neurons], dtype=np.float64)
    return weight, bias


def to_torch(module: nn.Module) -> torch.nn.Module:
    """The equivalent ``torch.nn`` module, holding copies of this module's weights in the same dtype.

    A scalar `MLP` (or `Layer`, `Neuron`) becomes ``Sequential(Linear, activation, Linear, ...)`` in
    float64, the dtype of a Value; the torch model takes a tensor of shape (batch, nin) where ours
    takes rows of numbers. The tensor modules map one to one and keep their child names, so
    ``to_torch(model).state_dict()`` has the keys of ``model.state_dict()``. Every module keeps its own
    train/eval mode. Supported: MLP, Layer, Neuron, Linear, Sequential, LeNet, the convolutions, pooling
    and normalization layers, Embedding, Flatten, Unflatten, Dropout and the activations.
    """
    return _to_torch_shared(module, {})


def _to_torch_shared(module: nn.Module, memo: dict[int, tuple[nn.Module, torch.nn.Module]]) -> torch.nn.Module:
    """`to_torch` of one module; `memo` maps a module already converted in this call to its torch module, so a
    module used in several places becomes one shared torch module (its weights stay tied)."""
    if id(module) in memo:
        return memo[id(module)][1]
    _refuse_own_forward("to_torch", module, _TO_TORCH_TYPES, type(module).__name__)
    converted = _to_torch(module, memo)
    memo[id(module)] = (module, converted)  # (the module too: its id stays unique while it is kept)
    if isinstance(module, (nn.Neuron, nn.Layer, nn.MLP)):
        return converted.train(module.training)  # its parts are new: they all take the model's mode
    converted.training = module.training  # (not .train(): children converted on their own keep their own mode)
    for name, p in module._parameters.items():  # a frozen parameter stays frozen
        theirs = converted._parameters.get(name)
        if isinstance(p, Tensor) and theirs is not None:
            theirs.requires_grad_(p.requires_grad)
    return converted


def _refuse_own_forward(who: str, module: Any, supported: tuple[type, ...], shown: str) -> None:
    """Refuse a subclass of a supported class that computes something else: the copy would run the base's forward."""
    base = next((c for c in type(module).__mro__ if c in supported), None)
    if base is None or base is type(module):
        return
    for method in ("forward", "__call__"):
        if getattr(type(module), method) is not getattr(base, method):
            prefix = "torch.nn." if who == "from_torch" and base.__module__.startswith("torch") else ""
            raise TypeError(
                f"{who}: {shown} overrides {prefix}{base.__name__}'s {method}, which the converted "
                f"{base.__name__} would not run; convert its children and copy the weights with load_state_dict "
                "into a module of your own that computes the same"
            )


def _to_torch(module: nn.Module, memo: dict[int, tuple[nn.Module, torch.nn.Module]]) -> torch.nn.Module:
    if isinstance(module, nn.Neuron):
        weight = np.array([[w.data for w in module.w]], dtype=np.float64)
        bias = np.array([module.b.data], dtype=np.float64)
        parts = [_torch_linear(weight, bias)]
        make = _SCALAR_ACTIVATIONS[module.activation]
        return torch.nn.Sequential(*parts, *([make()] if make else []))
    if isinstance(module, (nn.MLP, nn.Layer)):
        parts = []
        for layer in _scalar_layers(module):
            parts.append(_torch_linear(*_scalar_layer_arrays(layer)))
            make = _SCALAR_ACTIVATIONS[layer.activation]
            if make is not None:
                parts.append(make())
        return torch.nn.Sequential(*parts)
    if isinstance(module, nn.Linear):
        return _torch_linear(module.weight.data, None if module.bias is None else module.bias.data)
    if isinstance(module, nn.Sequential):
        converted = torch.nn.Sequential()
        for name, child in module.named_children():
            converted.add_module(name, _to_torch_shared(child, memo))
        return converted
    if isinstance(module, nn.LeNet):  # forward is classifier(features(x)): a Sequential of the two, same names
        converted = torch.nn.Sequential()
        for name, child in module.named_children():
            converted.add_module(name, _to_torch_shared(child, memo))
        return converted
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)):
        return _conv_to_torch(module)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)):
        return _norm_to_torch(module)
    if isinstance(module, nn.Embedding):
        theirs = torch.nn.Embedding(
            module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx,
            dtype=_torch_dtype(module.weight.data.dtype),
        )  # fmt: skip
        return _copy_into(theirs, {"weight": module.weight.data})
    if isinstance(module, nn.MaxPool2d):
        return torch.nn.MaxPool2d(
            module.kernel_size,
            module.stride,
            module.padding,
            module.dilation,
            ceil_mode=module.ceil_mode,
            return_indices=module.return_indices,
        )
    if isinstance(module, nn.AvgPool2d):
        return torch.nn.AvgPool2d(
            module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode,
            count_include_pad=module.count_include_pad, divisor_override=module.divisor_override,
        )  # fmt: skip
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return torch.nn.AdaptiveAvgPool2d(module.output_size)
    simple = {
        nn.ReLU: torch.nn.ReLU,
        nn.Tanh: torch.nn.Tanh,
        nn.Sigmoid: torch.nn.Sigmoid,
        nn.Step: TorchStep,
    }
    for ours, theirs in simple.items():
        if type(module) is ours:
            return theirs()
    if isinstance(module, nn.LeakyReLU):
        return torch.nn.LeakyReLU(module.negative_slope)
    if isinstance(module, nn.Softmax):
        return torch.nn.Softmax(dim=module.axis)
    if isinstance(module, nn.Flatten):
        return torch.nn.Flatten(module.start_dim, module.end_dim)
    if isinstance(module, nn.Unflatten):
        return torch.nn.Unflatten(module.dim, module.unflattened_size)
    if isinstance(module, nn.Dropout):
        return torch.nn.Dropout(module.p)
    raise TypeError(
        f"to_torch: no PyTorch equivalent for {type(module).__name__}; supported: {_TO_TORCH}. "
        "For a module of your own, convert its children and copy the weights with load_state_dict"
    )


def _numpy_dtype(dtype: torch.dtype) -> Any:
    if dtype == torch.float64:
        return np.float64
    if dtype == torch.float32:
        return np.float32
    raise TypeError(f"from_torch: weights of dtype {dtype} have no microgradnn equivalent; use .float() or .double()")


def from_torch(module: torch.nn.Module) -> nn.Module:
    """Our tensor module equivalent to a ``torch.nn`` one, holding copies of its weights (same dtype).

    Supported: ``Linear``, ``Sequential``, the convolutions, pooling and normalization layers,
    ``Embedding``, ``Flatten``, ``Unflatten``, ``Dropout``, ``ReLU``, ``LeakyReLU``, ``Tanh``, ``Sigmoid``, ``Softmax``
    and `TorchStep`. A ``Sequential`` keeps its child names; every module keeps its own train/eval mode.
    """
    if isinstance(module, torch.Tensor):
        raise TypeError(
            "from_torch: got a torch.Tensor, not a module; from_torch converts torch.nn modules. For a tensor "
            "use Tensor(t.detach().cpu().numpy()) (add requires_grad=True to take gradients)"
        )
    return _from_torch_shared(module, {})


def _from_torch_shared(module: torch.nn.Module, memo: dict[int, tuple[torch.nn.Module, nn.Module]]) -> nn.Module:
    """`from_torch` of one module; `memo` maps a module already converted in this call to ours, so a module used
    in several places becomes one shared module (its weights stay tied)."""
    if id(module) in memo:
        return memo[id(module)][1]
    _refuse_own_forward("from_torch", module, _FROM_TORCH_TYPES, type(module).__name__)
    for t in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
        if t is not None and t.is_floating_point():
            _numpy_dtype(t.dtype)  # a clear error for bfloat16 and float16 weights, whatever the module
    _refuse_dropped_options(module)
    ours = _from_torch(module, memo)
    memo[id(module)] = (module, ours)  # (the module too: its id stays unique while it is kept)
    ours.training = module.training  # (not .train(): children converted on their own keep their own mode)
    for name, p in module._parameters.items():  # a frozen parameter stays frozen (and registered)
        mine = ours._parameters.get(name)
        if p is not None and isinstance(mine, Tensor):
            mine.requires_grad_(p.requires_grad)
    return ours


def _refuse_dropped_options(module: torch.nn.Module) -> None:
    """Refuse an option our equivalent module does not have, rather than convert without it."""
    if isinstance(module, torch.nn.Embedding):
        dropped = {"max_norm": module.max_norm is not None, "scale_grad_by_freq": module.scale_grad_by_freq}
        for option, used in dropped.items():
            if used:
                raise ValueError(
                    f"from_torch: torch.nn.Embedding({option}={getattr(module, option)!r}) has no equivalent in "
                    f"microgradnn's Embedding (its outputs or gradients would differ); build the torch module "
                    f"without {option} to convert it"
                )


def _from_torch(module: torch.nn.Module, memo: dict[int, tuple[torch.nn.Module, nn.Module]]) -> nn.Module:
    if isinstance(module, torch.nn.Linear):
        weight = module.weight.detach().cpu().numpy()
        dtype = _numpy_dtype(module.weight.dtype)
        ours = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None, dtype=dtype)
        state = {"weight": weight}
        if module.bias is not None:
            state["bias"] = module.bias.detach().cpu().numpy()
        ours.load_state_dict(state)
        return ours
    if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
        return _conv_from_torch(module)
    if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
        return _batchnorm_from_torch(module)
    if isinstance(module, torch.nn.LayerNorm):
        dtype = _numpy_dtype(module.weight.dtype) if module.weight is not None else None
        ours = nn.LayerNorm(
            module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
            bias=module.bias is not None, dtype=dtype,
        )  # fmt: skip
        ours.load_state_dict(_state(module))
        return ours
    if isinstance(module, torch.nn.GroupNorm):
        dtype = _numpy_dtype(module.weight.dtype) if module.weight is not None else None
        ours = nn.GroupNorm(
            module.num_groups, module.num_channels, eps=module.eps, affine=module.affine,
            bias=module.bias is not None, dtype=dtype,
        )  # fmt: skip
        ours.load_state_dict(_state(module))
        return ours
    if isinstance(module, torch.nn.Embedding):
        ours = nn.Embedding(
            module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx,
            dtype=_numpy_dtype(module.weight.dtype),
        )  # fmt: skip
        ours.load_state_dict(_state(module))
        return ours
    if isinstance(module, torch.nn.MaxPool2d):
        return nn.MaxPool2d(
            module.kernel_size,
            module.stride,
            module.padding,
            module.dilation,
            module.ceil_mode,
            return_indices=module.return_indices,
        )
    if isinstance(module, torch.nn.AvgPool2d):
        return nn.AvgPool2d(
            module.kernel_size, module.stride, module.padding, module.ceil_mode, module.count_include_pad,
            module.divisor_override,
        )  # fmt: skip
    if isinstance(module, torch.nn.AdaptiveAvgPool2d):
        return nn.AdaptiveAvgPool2d(module.output_size)
    if isinstance(module, torch.nn.Sequential):
        names = list(module._modules)  # (every entry: children() would skip a module used twice)
        if names != [str(i) for i in range(len(names))]:
            raise ValueError(
                f"from_torch: our Sequential names its children 0, 1, ...; this one has {names}. "
                "Rebuild it as torch.nn.Sequential(*modules) first"
            )
        return nn.Sequential(*(_from_torch_shared(child, memo) for child in module._modules.values()))
    simple = {
        torch.nn.ReLU: nn.ReLU,
        torch.nn.Tanh: nn.Tanh,
        torch.nn.Sigmoid: nn.Sigmoid,
        TorchStep: nn.Step,
    }
    for theirs, ours_type in simple.items():
        if type(module) is theirs:
            return ours_type()
    if isinstance(module, torch.nn.LeakyReLU):
        return nn.LeakyReLU(module.negative_slope)
    if isinstance(module, torch.nn.Softmax):
        if module.dim is None:
            raise ValueError("from_torch: Softmax() without dim; give it one, e.g. torch.nn.Softmax(dim=-1)")
        return nn.Softmax(axis=module.dim)
    if isinstance(module, torch.nn.Flatten):
        return nn.Flatten(module.start_dim, module.end_dim)
    if isinstance(module, torch.nn.Unflatten):
        return nn.Unflatten(module.dim, tuple(module.unflattened_size))
    if isinstance(module, torch.nn.Dropout):
        return nn.Dropout(module.p)
    raise TypeError(
        f"from_torch: no microgradnn equivalent for torch.nn.{type(module).__name__}; supported: {_FROM_TORCH}"
    )


def _state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """The module's own parameters and buffers (BatchNorm's running statistics) as numpy arrays, by name."""
    tensors = [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]
    return {name: t.detach().cpu().numpy() for name, t in tensors if t is not None}


def _conv_from_torch(module: torch.nn.Module) -> nn.Module:
    dtype = _numpy_dtype(module.weight.dtype)
    bias = module.bias is not None
    if isinstance(module, torch.nn.ConvTranspose2d):
        ours = nn.ConvTranspose2d(
            module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.output_padding, module.groups, bias, module.dilation, module.padding_mode, dtype=dtype,
        )  # fmt: skip
    else:
        kind = nn.Conv1d if isinstance(module, torch.nn.Conv1d) else nn.Conv2d
        ours = kind(
            module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.dilation, module.groups, bias, module.padding_mode, dtype=dtype,
        )  # fmt: skip
    ours.load_state_dict(_state(module))
    return ours


def _batchnorm_from_torch(module: torch.nn.Module) -> nn.Module:
    kind = nn.BatchNorm1d if isinstance(module, torch.nn.BatchNorm1d) else nn.BatchNorm2d
    some = module.weight if module.weight is not None else module.running_mean
    ours = kind(
        module.num_features, eps=module.eps, momentum=module.momentum, affine=module.affine,
        track_running_stats=module.track_running_stats, dtype=None if some is None else _numpy_dtype(some.dtype),
    )  # fmt: skip
    ours.load_state_dict(_state(module))  # the running statistics are buffers on both sides
    return ours


# ----------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class Row:
    """One compared quantity: a forward output or a gradient, on both engines."""

    name: str
    kind: str  # "forward" or "gradient"
    ours: np.ndarray
    theirs: np.ndarray

    @property
    def max_abs_diff(self) -> float:
        """The largest |ours - theirs| over the elements (inf when the shapes differ)."""
        if self.ours.shape != self.theirs.shape:
            return math.inf
        if self.ours.size == 0:
            return 0.0
        return float(np.max(np.abs(self.ours.astype(np.float64) - self.theirs.astype(np.float64))))


def _short(a: np.ndarray, n: int = 4) -> str:
    flat = np.asarray(a, dtype=np.float64).ravel()
    shown = ", ".join(f"{x:.6g}" for x in flat[:n])
    if a.ndim == 0:
        return shown
    return f"[{shown}{', …' if flat.size > n else ''}]"


@dataclass(frozen=True)
class Comparison:
    """Forward values and gradients of one computation on microgradnn and on PyTorch, side by side.

    `ok` is True when every row agrees within ``atol + rtol * |theirs|``; `max_abs_diff` is the
    largest difference of any row. Prints as a text table; shows as an HTML table in a notebook.
    """

    rows: tuple[Row, ...]
    atol: float
    rtol: float
    note: str = ""

    @property
    def max_abs_diff(self) -> float:
        return max((r.max_abs_diff for r in self.rows), default=0.0)

    def row_ok(self, row: Row) -> bool:
        if row.ours.shape != row.theirs.shape:
            return False
        return bool(np.allclose(row.ours, row.theirs, atol=self.atol, rtol=self.rtol, equal_nan=True))

    @property
    def ok(self) -> bool:
        return all(self.row_ok(r) for r in self.rows)

    def _table(self) -> list[tuple[str, ...]]:
        return [
            (
                r.kind,
                r.name,
                str(tuple(r.ours.shape)),
                _short(r.ours),
                _short(r.theirs),
                f"{r.max_abs_diff:.3g}",
                "ok" if self.row_ok(r) else "DIFFERS",
            )
            for r in self.rows
        ]

    _HEADER = ("", "quantity", "shape", "microgradnn", "PyTorch", "max |diff|", "")

    def __str__(self) -> str:
        table = [self._HEADER, *self._table()]
        widths = [max(len(row[i]) for row in table) for i in range(len(self._HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        verdict = "agree" if self.ok else "DIFFER"
        lines.append(
            f"microgradnn and PyTorch {verdict}: largest difference {self.max_abs_diff:.3g} "
            f"(tolerance {self.atol:g} + {self.rtol:g} * |PyTorch|)"
        )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Comparison(ok={self.ok}, max_abs_diff={self.max_abs_diff:.3g}, rows={len(self.rows)})"

    def _repr_html_(self) -> str:
        esc = html.escape
        cell = "padding:2px 8px;text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px"
        head = "".join(f'<th style="{cell}">{esc(h)}</th>' for h in self._HEADER)
        body = []
        for row, raw in zip(self._table(), self.rows):
            color = "#1a7f37" if self.row_ok(raw) else "#cf222e"
            cells = "".join(f'<td style="{cell}">{esc(c)}</td>' for c in row[:-1])
            body.append(f'<tr>{cells}<td style="{cell};color:{color};font-weight:bold">{esc(row[-1])}</td></tr>')
        verdict = "agree" if self.ok else "DIFFER"
        caption = (
            f"microgradnn and PyTorch {verdict}: largest difference {self.max_abs_diff:.3g} "
            f"(tolerance {self.atol:g} + {self.rtol:g} × |PyTorch|)"
        )
        note = f"<div>{esc(self.note)}</div>" if self.note else ""
        return (
            '<div class="microgradnn-comparison" style="font-family:system-ui,sans-serif;font-size:13px">'
            f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
            f"</table><div><b>{esc(caption)}</b></div>{note}</div>"
        )


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return np.asarray(x.data)
    if isinstance(x, Value):
        return np.asarray(x.data, dtype=np.float64)
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, (list, tuple)) and any(isinstance(v, (Value, list, tuple)) for v in x):
        return np.array([_as_array(v) for v in x])
    return np.asarray(x)


def _outputs(out: Any) -> list[Any]:
    """A function's result as a list of its outputs (a tuple of tensors gives several)."""
    return list(out) if isinstance(out, tuple) else [out]


def _flat_values(out: Any) -> list[Value]:
    if isinstance(out, Value):
        return [out]
    if isinstance(out, (list, tuple)):
        return [v for item in out for v in _flat_values(item)]
    return []


def _our_backward(outputs: list[Any]) -> None:
    """backward() of the sum of every output element (a scalar output: backward() itself)."""
    for out in outputs:
        if isinstance(out, Tensor):
            if out.requires_grad or out.parents:
                out.backward(None if out.data.ndim == 0 else np.ones_like(out.data))
        else:
            values = _flat_values(out)
            if values:
                total = values[0]
                for v in values[1:]:
                    total = total + v
                total.backward()


def _check_outputs(outputs: list[Any], engine: str, kinds: tuple[type, ...], wanted: str) -> None:
    """Refuse an output neither compared nor differentiated, such as a plain float."""
    for out in outputs:
        parts = _flat_values(out) if isinstance(out, list) and engine == "microgradnn" else [out]
        if not parts or not all(isinstance(p, kinds) for p in parts):
            raise TypeError(
                f"compare_with_torch: fn must return a Tensor (a Value, or a tuple of them); on {engine}'s side it "
                f"returned a {type(out).__name__} ({out!r}), not {wanted}. Compute the result from the inputs with "
                "their operations (x.sum(), x * w, ...) so that both engines can differentiate it"
            )


def _their_backward(outputs: list[torch.Tensor]) -> None:
    total = sum(o.sum() for o in outputs if o.requires_grad)
    if isinstance(total, torch.Tensor):
        total.backward()


def _input_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    if len(params) >= count:
        return params[:count]
    return [f"input {i}" for i in range(count)]


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f"


def _default_tolerances(dtype: Any) -> tuple[float, float]:
    return (1e-10, 1e-9) if np.dtype(dtype) == np.float64 else (1e-5, 1e-4)


def _model_rows(model: nn.Module, theirs: torch.nn.Module) -> list[Row]:
    """One gradient row per weight matrix and bias vector, named as in our model."""
    rows = []
    layers = _scalar_layers(model)
    if isinstance(model, nn.Neuron):
        w = np.array([[v.grad for v in model.w]])
        b = np.array([model.b.grad])
        lin = theirs[0]
        rows += [Row("w", "gradient", w, _grad(lin.weight)), Row("b", "gradient", b, _grad(lin.bias))]
    elif layers:
        linears = [m for m in theirs if isinstance(m, torch.nn.Linear)]
        prefix = "layers." if isinstance(model, nn.MLP) else ""
        for i, (layer, lin) in enumerate(zip(layers, linears)):
            w = np.array([[v.grad for v in n.w] for n in layer.neurons])
            b = np.array([n.b.grad for n in layer.neurons])
            name = f"{prefix}{i}." if prefix else ""
            rows.append(Row(f"{name}w (nout x nin)", "gradient", w, _grad(lin.weight)))
            rows.append(Row(f"{name}b", "gradient", b, _grad(lin.bias)))
    else:
        their_params = dict(theirs.named_parameters())
        for name, p in model.named_parameters():
            ours = np.zeros_like(p.data) if p.grad is None else np.asarray(p.grad)
            rows.append(Row(name, "gradient", ours, _grad(their_params[name])))
    return rows


def _grad(p: torch.Tensor) -> np.ndarray:
    return np.zeros(tuple(p.shape)) if p.grad is None else p.grad.detach().cpu().numpy()


def compare_with_torch(
    fn: Callable[..., Any] | nn.Module,
    *inputs: Any,
    atol: float | None = None,
    rtol: float | None = None,
) -> Comparison:
    """Run `fn` on microgradnn and on PyTorch, and compare the forward values and the gradients.

    `fn` is written with operations both engines have (``x @ w``, ``.tanh()``, ``.sum()``,
    ``.relu()``, ``.exp()``, ...). Every floating-point input becomes a float64 `Tensor` on our
    side and a float64 ``torch.tensor`` on PyTorch's, both requiring gradients; integer inputs
    (class targets, indices) go in as they are. A non-scalar output is differentiated through
    the sum of its elements. `fn` may also be one of our models: PyTorch then runs
    ``to_torch(fn)`` on the same inputs, and the weights' gradients are compared too.

    Tolerances default to 1e-10 absolute and 1e-9 relative in float64 (1e-5 and 1e-4 for a
    float32 model).
    """
    if not inputs:
        raise TypeError("compare_with_torch: give the inputs too, e.g. compare_with_torch(fn, x, w)")
    arrays = [_as_array(x) for x in inputs]
    is_model = isinstance(fn, nn.Module)
    scalar_model = is_model and isinstance(fn, (nn.MLP, nn.Layer, nn.Neuron))
    dtype = np.float64
    if is_model and not scalar_model:
        params = fn.parameters()
        dtype = np.asarray(params[0].data).dtype if params else np.float64
    default_atol, default_rtol = _default_tolerances(dtype)
    if is_model:  # a model's float inputs are features in its dtype; integer ones (Embedding ids) stay integers
        arrays = [a.astype(dtype) if scalar_model or _is_float(a) else a for a in arrays]
    atol = default_atol if atol is None else float(atol)
    rtol = default_rtol if rtol is None else float(rtol)

    ours_in: list[Any] = []
    theirs_in: list[Any] = []
    for a in arrays:
        if _is_float(a) and not scalar_model:
            ours_in.append(Tensor(a.astype(dtype), requires_grad=True))
        elif scalar_model:
            ours_in.append(a.astype(np.float64).tolist())
        else:
            ours_in.append(Tensor(a))
        if _is_float(a):
            theirs_in.append(torch.tensor(a.astype(dtype), requires_grad=True))
        else:
            theirs_in.append(torch.tensor(a))

    if is_model:
        their_fn = to_torch(fn)
        fn.zero_grad()
        names = ["x"] if len(arrays) == 1 else [f"input {i}" for i in range(len(arrays))]
    else:
        their_fn = fn
        names = _input_names(fn, len(arrays))

    kept = _BufferSnapshot(fn if is_model else None)  # comparing must not move the model's running statistics
    kept.take()
    ours_out = _outputs(fn(*ours_in))
    kept.restore()
    theirs_out = _outputs(their_fn(*theirs_in))
    _check_outputs(ours_out, "microgradnn", (Tensor, Value), "a Tensor or a Value (or a list of Values)")
    _check_outputs(theirs_out, "PyTorch", (torch.Tensor,), "a torch.Tensor")
    if len(ours_out) != len(theirs_out):
        raise ValueError(f"compare_with_torch: microgradnn returned {len(ours_out)} outputs, PyTorch {len(theirs_out)}")
    rows: list[Row] = []
    for i, (o, t) in enumerate(zip(ours_out, theirs_out)):
        name = "output" if len(ours_out) == 1 else f"output {i}"
        ours_array = _as_array(o)
        if scalar_model and ours_array.size == _as_array(t).size:
            # A scalar MLP returns one Value for one output; PyTorch keeps the output axis.
            ours_array = ours_array.reshape(_as_array(t).shape)
        rows.append(Row(name, "forward", ours_array, _as_array(t)))

    _our_backward(ours_out)
    _their_backward(theirs_out)
    for name, o, t in zip(names, ours_in, theirs_in):
        if isinstance(o, Tensor) and o.requires_grad:
            ours_grad = np.zeros_like(o.data) if o.grad is None else np.asarray(o.grad)
            rows.append(Row(f"d/d{name}", "gradient", ours_grad, _grad(t)))
    if is_model:
        rows += _model_rows(fn, their_fn)
    notes = []
    if any(np.ndim(r.ours) > 0 for r in rows if r.kind == "forward"):
        notes.append("Gradients are those of the sum of the output's elements.")
    integers = [] if is_model else [name for name, a in zip(names, arrays) if not _is_float(a)]
    if integers:  # (a model's integer inputs are ids, as for an Embedding: no note)
        notes.append(
            f"No gradient for {', '.join(integers)}: integer inputs (class targets, indices) go in as they are; "
            "write 1.0 rather than 1 to compare a gradient."
        )
    return Comparison(tuple(rows), atol=atol, rtol=rtol, note=" ".join(notes))
