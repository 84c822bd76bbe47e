"""Differential tests against PyTorch (float64): forward values and gradients, NaN and inf included.

Each op runs on both engines with the same inputs (hypothesis draws ordinary numbers mixed with 0, -0, +-1,
+-inf and nan) and the same upstream gradient; results must agree, NaN where PyTorch has NaN. The conventions
this pins are listed in docs/design.md ("Conventions"). Skipped where torch is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, Value
from microgradnn.tensor import maximum, minimum, where
from microgradnn.testing.strategies import SPECIAL_FLOATS, arrays_with_specials

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# name -> (our op on Tensors, torch's op on tensors)
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "neg": (lambda x: -x, lambda x: -x),
    "exp": (lambda x: x.exp(), torch.exp),
    "log": (lambda x: x.log(), torch.log),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt),
    "tanh": (lambda x: x.tanh(), torch.tanh),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid),
    "relu": (lambda x: x.relu(), torch.relu),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), lambda x: torch.nn.functional.leaky_relu(x, 0.1)),
    "abs": (lambda x: x.abs(), torch.abs),
    "clip": (lambda x: x.clip(-1.0, 0.5), lambda x: torch.clamp(x, -1.0, 0.5)),
    "pow2": (lambda x: x**2, lambda x: x**2),
    "pow-1": (lambda x: x**-1, lambda x: x**-1),
    # torch takes x ** 0.5 (a number) as sqrt, also inside the gradient of x ** 1.5 (nan at -inf); with a tensor
    # exponent it is IEEE pow, as ours is for both (ops.md)
    "pow1.5": (lambda x: x**1.5, lambda x: torch.pow(x, torch.tensor(1.5, dtype=x.dtype))),
    "sum": (lambda x: x.sum(), torch.sum),
    "mean": (lambda x: x.mean(), torch.mean),
    "max": (lambda x: x.max(), torch.max),  # ties share the gradient; a NaN takes it (torch.max's rule)
    "min": (lambda x: x.min(), torch.min),
    "logsumexp": (lambda x: x.logsumexp(axis=-1), lambda x: torch.logsumexp(x, dim=-1)),
    "softmax": (lambda x: x.softmax(axis=-1), lambda x: torch.softmax(x, dim=-1)),
    "log_softmax": (lambda x: x.log_softmax(axis=-1), lambda x: torch.log_softmax(x, dim=-1)),
    "max_axis": (lambda x: x.max(axis=-1), lambda x: _max_along_last(x)),
    "var": (lambda x: x.var(), lambda x: torch.var(x, unbiased=False)),
}

BINARY: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),
    "maximum": (maximum, torch.maximum),
    "minimum": (minimum, torch.minimum),
    "where": (lambda a, b: where(a.data > b.data, a, b), lambda a, b: torch.where(a > b, a, b)),
}


def _max_along_last(x: Any) -> Any:
    """PyTorch's max along an axis under our rule: ties share the gradient (amax), a NaN takes it (max(dim))."""
    rows = x.reshape(-1, x.shape[-1])
    picked = [torch.max(row) if torch.isnan(row).any() else torch.amax(row) for row in rows]
    return torch.stack(picked).reshape(x.shape[:-1])


def run_ours(fn: Callable[..., Any], arrays: list[np.ndarray], upstream_seed: int) -> tuple[Any, list[Any]]:
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    g = np.random.default_rng(upstream_seed).uniform(0.5, 1.5, out.shape)
    with np.errstate(all="ignore"):
        out.backward(g)
    return out.data, [x.grad if x.grad is not None else np.zeros_like(x.data) for x in xs], g


def run_torch(fn: Callable[..., Any], arrays: list[np.ndarray], g: np.ndarray) -> tuple[Any, list[Any]]:
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*xs)
    out.backward(torch.tensor(g, dtype=torch.float64))
    return out.detach().numpy(), [x.grad.numpy() if x.grad is not None else np.zeros(x.shape) for x in xs]


def agree(ours: Any, theirs: Any, what: str) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), theirs, rtol=1e-9, atol=1e-12, equal_nan=True,
                               err_msg=what)  # fmt: skip


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(data=st.data())
def test_unary_ops_match_pytorch_forward_and_gradient(name: str, data: st.DataObject) -> None:
    ours_fn, torch_fn = UNARY[name]
    a = data.draw(arrays_with_specials(shape=data.draw(st.sampled_from([(), (3,), (2, 3)]))))
    if name.endswith("_axis") or name in ("logsumexp", "softmax", "log_softmax"):
        a = a.reshape(-1) if a.ndim == 0 else a
    if name == "max_axis":
        assume(all(np.isnan(row).sum() <= 1 for row in a.reshape(-1, a.shape[-1])))  # torch picks one of two NaNs
    value, grads, g = run_ours(ours_fn, [a], data.draw(st.integers(0, 99)))
    t_value, t_grads = run_torch(torch_fn, [a], g)
    agree(value, t_value, f"{name} forward at {a!r}")
    agree(grads[0], t_grads[0], f"{name} gradient at {a!r}")


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_ops_match_pytorch_forward_and_gradient(name: str, data: st.DataObject) -> None:
    ours_fn, torch_fn = BINARY[name]
    shape = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    a = data.draw(arrays_with_specials(shape=shape))
    b = data.draw(arrays_with_specials(shape=data.draw(st.sampled_from([shape, shape[-1:] if shape else ()]))))
    value, grads, g = run_ours(ours_fn, [a, b], data.draw(st.integers(0, 99)))
    t_value, t_grads = run_torch(torch_fn, [a, b], g)
    agree(value, t_value, f"{name} forward at {a!r}, {b!r}")
    for i in range(2):
        agree(grads[i], t_grads[i], f"{name} gradient of input {i} at {a!r}, {b!r}")


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "exp", "log", "sqrt", "abs", "neg", "pow2", "pow-1"])
@settings(max_examples=30, deadline=None)
@given(x=st.one_of(st.floats(-3, 3), st.sampled_from(SPECIAL_FLOATS)))
def test_value_ops_match_pytorch_scalars(name: str, x: float) -> None:
    ours_fn, torch_fn = UNARY[name]
    v = Value(x)
    out = ours_fn(v)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    t_out = torch_fn(t)
    t_out.backward()
    agree(out.data, t_out.item(), f"Value {name} forward at {x}")
    agree(v.grad, t.grad.item(), f"Value {name} gradient at {x}")


def test_value_division_and_power_edge_cases_match_pytorch() -> None:
    cases = [(1.0, 0.0), (-1.0, 0.0), (0.0, 0.0), (1.0, 1e-160), (0.0, -1.0), (-2.0, 0.5), (0.0, 0.0)]
    for a, b in cases:
        for ours, theirs in ((lambda p, q: p / q, lambda p, q: p / q), (lambda p, q: p**q, lambda p, q: p**q)):
            va, vb = Value(a), Value(b)
            out = ours(va, vb)
            out.backward()
            ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
            tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
            t_out = theirs(ta, tb)
            t_out.backward()
            agree(out.data, t_out.item(), f"forward {a}, {b}")
            agree([va.grad, vb.grad], [ta.grad.item(), tb.grad.item()], f"gradients {a}, {b}")
    assert math.isinf(Value(10.0).exp().data) is False
