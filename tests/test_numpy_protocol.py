"""NumPy's own functions on Tensors go through the graph, and any other NumPy function is refused by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, gradcheck
from microgradnn.testing.strategies import arrays

SETTINGS = settings(max_examples=20, deadline=None)

# name -> (NumPy's spelling on a Tensor, our spelling)
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "exp": (np.exp, lambda t: t.exp()),
    "sin": (np.sin, lambda t: t.sin()),
    "arctan": (np.arctan, lambda t: t.atan()),
    "tanh": (np.tanh, lambda t: t.tanh()),
    "abs": (np.abs, lambda t: t.abs()),
    "negative": (np.negative, lambda t: -t),
    "sum": (np.sum, lambda t: t.sum()),
    "sum axis 0": (lambda t: np.sum(t, axis=0), lambda t: t.sum(axis=0)),
    "mean keepdims": (lambda t: np.mean(t, axis=-1, keepdims=True), lambda t: t.mean(axis=-1, keepdims=True)),
    "max": (np.max, lambda t: t.max()),
    "var": (np.var, lambda t: t.var()),
    "transpose": (np.transpose, lambda t: t.T),
    "reshape": (lambda t: np.reshape(t, (-1,)), lambda t: t.reshape(-1)),
    "clip": (lambda t: np.clip(t, -0.5, 0.5), lambda t: t.clip(-0.5, 0.5)),
    "add.reduce": (lambda t: np.add.reduce(t, axis=0), lambda t: t.sum(axis=0)),
    "expand_dims": (lambda t: np.expand_dims(t, 0), lambda t: t.unsqueeze(0)),
    "cumsum": (lambda t: np.cumsum(t, axis=1), lambda t: t.cumsum(axis=1)),
    "prod": (lambda t: np.prod(t, axis=0), lambda t: t.prod(axis=0)),
    "std": (np.std, lambda t: t.std()),
    "sort": (lambda t: np.sort(t, axis=-1), lambda t: t.sort(axis=-1).values),
    "flip": (lambda t: np.flip(t, axis=0), lambda t: t.flip(0)),
    "roll": (lambda t: np.roll(t, 1, axis=1), lambda t: t.roll(1, axis=1)),
    "tril": (np.tril, lambda t: t.tril()),
    "einsum": (lambda t: np.einsum("ij->j", t), lambda t: t.sum(axis=0)),
}
KINKED = {"abs", "max", "clip", "sort"}
BINARY: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "add": (np.add, lambda a, b: a + b),
    "multiply": (np.multiply, lambda a, b: a * b),
    "maximum": (np.maximum, lambda a, b: a.maximum(b) if hasattr(a, "maximum") else np.maximum(a, b)),
    "matmul": (np.matmul, lambda a, b: a @ b),
    "where": (lambda a, b: np.where(a.data > b.data, a, b), lambda a, b: a.where(a.data > b.data, b)),
    "concatenate": (lambda a, b: np.concatenate([a, b]), lambda a, b: __import__("microgradnn").tensor.cat([a, b])),
    "stack": (lambda a, b: np.stack([a, b], axis=1), lambda a, b: __import__("microgradnn").tensor.stack([a, b], 1)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(a=arrays(shape=(2, 3), op="any", min_gap=1e-2))  # distinct entries: std has a kink where all are equal
def test_numpy_unary_spellings_match_ours_and_keep_the_graph(name: str, a: np.ndarray) -> None:
    numpy_fn, ours = UNARY[name]
    x = Tensor(a, requires_grad=True)
    out = numpy_fn(x)
    assert isinstance(out, Tensor) and out.requires_grad, f"np {name} dropped the graph"
    np.testing.assert_allclose(out.data, ours(Tensor(a)).data, rtol=1e-12)
    if name not in KINKED:  # their kinks are pinned in the ops' own tests
        gradcheck(numpy_fn, [Tensor(a)])


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(data=st.data())
def test_numpy_binary_spellings_match_ours_and_keep_the_graph(name: str, data: st.DataObject) -> None:
    numpy_fn, ours = BINARY[name]
    a = data.draw(arrays(shape=(3, 3), op="any", min_gap=1e-2))
    b = data.draw(arrays(shape=(3, 3), op="any", min_gap=1e-2))
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = numpy_fn(x, y)
    assert isinstance(out, Tensor) and out.requires_grad, f"np {name} dropped the graph"
    np.testing.assert_allclose(out.data, ours(Tensor(a), Tensor(b)).data, rtol=1e-12)
    if name not in ("maximum", "where"):  # kinks where a == b: pinned in the op's own tests
        gradcheck(numpy_fn, [Tensor(a), Tensor(b)])


def test_an_array_on_the_left_still_builds_the_graph() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = np.array([3.0, 4.0]) * w + np.array([1.0, 1.0])
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda t: np.spacing(t), "np.spacing"),
        (lambda t: np.fft.fft(t), "np.fft"),
        (lambda t: np.cumsum(t, out=np.zeros(2)), "np.cumsum"),
        (lambda t: np.argmax(t, out=np.zeros((), dtype=np.intp)), "np.argmax"),
        (lambda t: np.exp(t, out=np.zeros(2)), "np.exp"),
    ],
)
def test_other_numpy_functions_are_refused_by_name(call: Callable[[Tensor], Any], name: str) -> None:
    with pytest.raises(TypeError, match=rf"{name}.*Tensor.*t\.numpy\(\)|{name}.*out="):
        call(Tensor([1.0, 2.0], requires_grad=True))


def test_leaving_the_graph_on_purpose() -> None:
    t = Tensor([1.0, 2.0], requires_grad=True)
    assert type(np.asarray(t)) is np.ndarray and type(t.numpy()) is np.ndarray
    assert np.shape(t) == (2,) and np.ndim(t) == 1


def test_numbers_written_into_a_plain_array_as_makemore_updates_its_weights() -> None:
    # makemore's learning-rate search: lr = lrs[i] is a Tensor, and p.data += -lr * p.grad updates the numbers.
    lrs = Tensor([0.5, 0.1])
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.array([2.0, 4.0])
    data = p.data
    p.data += -lrs[0] * p.grad
    assert p.data is data  # in place, as PyTorch's p.data += ...
    np.testing.assert_array_equal(p.data, [0.0, 0.0])
    out = np.zeros(2)
    assert np.exp(Tensor([0.0, 1.0]), out=out) is out
    np.testing.assert_allclose(out, [1.0, np.e])
    with pytest.raises(TypeError, match=r"bypass the graph.*numbers: lr\.item\(\), t\.detach\(\)"):
        np.exp(p, out=np.zeros(2))  # p needs a gradient: writing it into numbers would lose it
    with pytest.raises(TypeError, match="bypass the graph"):
        np.add(Tensor([1.0]), 1.0, out=(Tensor([0.0]),))  # nor into a Tensor
