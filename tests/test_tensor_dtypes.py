"""dtypes (tensor/dtypes.py), conversions, creation functions and PyTorch's method spellings.

The rules pinned here: Python ints become int64 and bools bool, Python floats the default float (float32); a
NumPy array keeps its dtype; only float tensors can require grad; integer tensors index and bool tensors mask
(with gradients scattered back); int meets float in the float's dtype. Conversions follow PyTorch (float() is
float32, int() int32, long() int64). Every method of the issue's "PyTorch spellings" row exists and agrees with
PyTorch.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgradnn import Tensor, gradcheck
from microgradnn import tensor as T
from microgradnn.testing import strategies as mst

FAST = settings(deadline=None, max_examples=15)


# --- the kinds data becomes ----------------------------------------------------
@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([0, 1], np.int64),
        (3, np.int64),
        ([True, False], np.bool_),
        (True, np.bool_),
        ([1.0, 2], np.float32),
        (0.5, np.float32),
        ([[1, 2], [3, 4]], np.int64),
        (np.array([1, 2], dtype=np.int32), np.int32),  # an array keeps its dtype, as torch.from_numpy
        (np.array([1, 2], dtype=np.uint8), np.uint8),
        (np.array([1.0], dtype=np.float64), np.float64),
        (np.array([1.0], dtype=np.float16), np.float16),
        (np.array([True]), np.bool_),
    ],
)
def test_data_keeps_its_kind(data, dtype):
    assert Tensor(data).dtype == dtype


def test_the_default_float_dtype_is_float32_and_can_be_changed():
    assert T.get_default_dtype() == np.float32
    T.set_default_dtype(np.float64)
    try:
        assert Tensor([1.5]).dtype == np.float64 and Tensor([1]).dtype == np.int64
        assert Tensor([1, 2]).sin().dtype == np.float64  # int -> the default float
    finally:
        T.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="set_default_dtype: int64 is not a floating-point dtype"):
        T.set_default_dtype(np.int64)


@pytest.mark.parametrize("data", [[1, 2], [True], np.array([1], dtype=np.int32), 3])
def test_only_float_tensors_can_require_grad(data):
    with pytest.raises(TypeError, match=r"only floating-point tensors can require gradients.*dtype"):
        Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="requires_grad_: only floating-point tensors"):
        Tensor(data).requires_grad_()
    for make in (T.zeros, T.ones, T.empty):
        with pytest.raises(TypeError, match=f"{make.__name__}: only floating-point tensors can require gradients"):
            make(2, dtype=np.int64, requires_grad=True)
    with pytest.raises(TypeError, match="zeros_like: only floating-point"):
        T.zeros_like(Tensor(data), requires_grad=True)
    assert Tensor(data, dtype=np.float32, requires_grad=True).requires_grad


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: Tensor([1, 2]) + Tensor([0.5, 0.5]), np.float32),
        (lambda: Tensor([1, 2]) * 2.5, np.float32),
        (lambda: Tensor([1, 2]) * 2, np.int64),
        (lambda: 3 + Tensor([1]), np.int64),
        (lambda: Tensor([1, 2]) / Tensor([2, 2]), np.float32),  # true division of ints is a float, as PyTorch
        (lambda: Tensor([1, 2]) ** 0.5, np.float32),
        (lambda: Tensor([1, 2]) ** 2.0, np.float32),
        (lambda: Tensor([1, 2]) ** 2, np.int64),
        (lambda: Tensor([1, 2]).sum(), np.int64),
        (lambda: Tensor([True, True]).sum(), np.int64),
        (lambda: Tensor([1, 2]).exp(), np.float32),
        (lambda: Tensor(np.array([1.0])) + 0.1, np.float64),  # a Python number never changes a float dtype
        (lambda: Tensor([1.0]) + np.float64(0.1), np.float32),
        (lambda: Tensor(np.array([1], dtype=np.int32)) + Tensor(np.array([0.5])), np.float64),
        (lambda: Tensor([True]) + Tensor([1.5]), np.float32),
        (lambda: Tensor([1]) < 2, np.bool_),
    ],
)
def test_mixed_kinds_follow_pytorchs_promotion(make, dtype):
    assert make().dtype == dtype


def test_pytorch_agrees_on_the_promotions():
    torch = pytest.importorskip("torch")
    pairs = [
        (Tensor([1, 2]) + Tensor([0.5, 0.5]), torch.tensor([1, 2]) + torch.tensor([0.5, 0.5])),
        (Tensor([1, 2]) / Tensor([2, 2]), torch.tensor([1, 2]) / torch.tensor([2, 2])),
        (Tensor([1, 4]) ** 0.5, torch.tensor([1, 4]) ** 0.5),
        (Tensor([1, 4]) ** 2, torch.tensor([1, 4]) ** 2),
        (Tensor([True, True]).sum(), torch.tensor([True, True]).sum()),
        (Tensor([3, 4]) % 3, torch.tensor([3, 4]) % 3),
    ]
    for ours, theirs in pairs:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_integer_and_bool_errors_say_the_fix():
    with pytest.raises(ValueError, match=r"Tensor \*\*: an integer tensor \(int64\) to a negative integer power"):
        Tensor([2, 3]) ** -1
    with pytest.raises(TypeError, match=r"negating a bool tensor.*~mask"):
        -Tensor([True, False])


# --- integer tensors as indices, bool tensors as masks ---------------------------
@FAST
@given(
    data=st.data(),
    shape=mst.shapes(min_dims=1, max_dims=3, max_side=4),
)
def test_integer_index_tensors_pick_and_scatter_the_gradient_back(data, shape):
    x = data.draw(mst.arrays(shape), label="x")
    idx = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 5)), elements=st.integers(-shape[0], shape[0] - 1)))
    index = Tensor(idx)
    assert index.dtype == np.int64
    gradcheck(lambda t: t[index], [Tensor(x, requires_grad=True)])  # repeated indices add up
    np.testing.assert_array_equal(Tensor(x)[index].data, x[idx])
    if len(shape) > 1:
        cols = Tensor(idx % shape[1])
        gradcheck(lambda t: t[:, cols], [Tensor(x, requires_grad=True)])
        gradcheck(lambda t: t[index, cols], [Tensor(x, requires_grad=True)])


@FAST
@given(data=st.data(), shape=mst.shapes(min_dims=1, max_dims=3, max_side=4))
def test_bool_mask_tensors_select_and_scatter_the_gradient_back(data, shape):
    x = data.draw(mst.arrays(shape), label="x")
    mask = Tensor(x > 0)  # a comparison's result is a bool tensor
    assert mask.dtype == np.bool_
    np.testing.assert_array_equal(Tensor(x)[mask].data, x[x > 0])
    gradcheck(lambda t: t[mask] * 2.0, [Tensor(x, requires_grad=True)])
    row_mask = Tensor(np.arange(shape[0]) % 2 == 0)
    gradcheck(lambda t: t[row_mask], [Tensor(x, requires_grad=True)])


def test_indexing_with_tensors_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(3, 4)
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    idx, mask = [2, 0, 2], x[:, 0] > 3
    out = ours[Tensor(idx)].sum() + (ours[Tensor(mask)] ** 2).sum() + ours[Tensor(1), Tensor(2)]
    expected = theirs[torch.tensor(idx)].sum() + (theirs[torch.tensor(mask)] ** 2).sum() + theirs[torch.tensor(1), 2]
    out.backward()
    expected.backward()
    assert out.item() == expected.item()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_a_float_tensor_is_not_an_index():
    x = Tensor(np.arange(4.0))
    with pytest.raises(IndexError, match="an index array must hold ints or bools, got dtype float32"):
        x[Tensor([0.0, 1.0])]
    with pytest.raises(TypeError, match="only a one-element integer tensor can be used as an index"):
        [1, 2, 3][Tensor(1.0)]
    assert [1, 2, 3][Tensor(1)] == 2  # __index__: a one-element int tensor indexes a Python list


# --- conversions -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", np.float32),
        ("double", np.float64),
        ("half", np.float16),
        ("int", np.int32),
        ("long", np.int64),
        ("bool", np.bool_),
    ],
)
def test_conversion_methods_follow_pytorch(method, dtype):
    torch = pytest.importorskip("torch")
    values = [1.7, -2.7, 0.0, 3.0]
    out = getattr(Tensor(values), method)()
    expected = getattr(torch.tensor(values), method)()
    assert out.dtype == dtype and str(expected.dtype) == "torch." + str(np.dtype(dtype))
    np.testing.assert_array_equal(out.data, expected.numpy())
    t = Tensor(np.zeros(2, dtype=dtype))
    assert getattr(t, method)() is t  # already that dtype: the tensor itself, as PyTorch


def test_float_conversions_keep_the_gradient_and_int_conversions_cut_it():
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [1.0, 3.0])
    # Through float32 and back: linear, so a wide step measures the slope despite float32's rounding.
    gradcheck(lambda t: t.float().double() * 3.0, [Tensor(np.array([0.25, -1.0]), requires_grad=True)], eps=1e-2)
    for method in ("int", "long", "bool"):
        assert not getattr(x, method)().requires_grad
    assert x.type_as(Tensor(np.array([1.0]))).dtype == np.float64
    assert x.type_as(Tensor([1])).dtype == np.int64
    assert x.type_as(x) is x
    with pytest.raises(TypeError, match="type_as: expected a Tensor"):
        x.type_as(np.float64)


# --- creation ------------------------------------------------------------------------
def test_empty_and_like_functions_take_shape_and_dtype():
    assert T.empty(2, 3).shape == (2, 3) and T.empty(2, 3).dtype == np.float32
    assert T.empty((0, 4), dtype=np.int64).shape == (0, 4)
    ints = Tensor([[1, 2, 3]])
    for like in (T.zeros_like, T.ones_like, T.empty_like):
        out = like(ints)
        assert out.shape == (1, 3) and out.dtype == np.int64
        assert like(ints, dtype=np.float32, requires_grad=True).requires_grad
    np.testing.assert_array_equal(T.full_like(ints, 7).data, [[7, 7, 7]])
    assert T.full_like(Tensor([1.0]), 2.5).dtype == np.float32
    assert T.rand_like(ints).dtype == np.float32 and T.randn_like(Tensor(np.zeros(3))).dtype == np.float64
    np.testing.assert_array_equal(T.rand_like(ints, seed=3).data, T.rand(1, 3, seed=3).data)
    assert T.randint_like(ints, 5).dtype == np.int64 and T.randint_like(ints, 5).shape == (1, 3)
    assert T.randint_like(Tensor(np.zeros(2, dtype=np.int32)), 5).dtype == np.int32
    assert T.empty(2).requires_grad is False and T.empty(2, requires_grad=True).requires_grad


def test_like_functions_match_pytorch():
    torch = pytest.importorskip("torch")
    for values in ([[1, 2]], [[1.5, 2.0]], [True]):
        ours, theirs = Tensor(values), torch.tensor(values)
        for name in ("zeros_like", "ones_like"):
            np.testing.assert_array_equal(getattr(T, name)(ours).data, getattr(torch, name)(theirs).numpy())
            assert str(getattr(T, name)(ours).dtype) == str(getattr(torch, name)(theirs).dtype).split(".")[1]
        np.testing.assert_array_equal(T.full_like(ours, 1).data, torch.full_like(theirs, 1).numpy())


@FAST
@given(st.floats(-100, 100), st.floats(-100, 100), st.integers(0, 30))
def test_linspace_matches_numpy_and_pytorch(start, stop, n):
    out = T.linspace(start, stop, n)
    assert out.dtype == np.float32 and out.shape == (n,)
    np.testing.assert_allclose(out.data, np.linspace(start, stop, n).astype(np.float32))
    np.testing.assert_array_equal(T.linspace(start, stop, steps=n).data, out.data)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(out.data, torch.linspace(start, stop, n).numpy(), rtol=1e-5, atol=1e-4)


def test_linspace_defaults_and_options():
    assert T.linspace(0, 1).shape == (50,)  # NumPy's default num
    np.testing.assert_allclose(T.linspace(0, 1, 4, endpoint=False).data, [0, 0.25, 0.5, 0.75])
    assert T.linspace(0, 1, 3, dtype=np.float64).dtype == np.float64
    assert T.linspace(0, 1, 3, requires_grad=True).requires_grad


@FAST
@given(st.integers(-50, 50), st.integers(1, 50), mst.shapes(max_dims=3, max_side=4), st.integers(0, 2**31))
def test_randint_stays_in_range_and_is_reproducible(low, width, shape, seed):
    high = low + width
    out = T.randint(low, high, shape, seed=seed)
    assert out.dtype == np.int64 and out.shape == shape and not out.requires_grad
    assert ((out.data >= low) & (out.data < high)).all()
    np.testing.assert_array_equal(out.data, T.randint(low, high, shape, seed=seed).data)
    if high > 0:  # one bound: [0, high)
        np.testing.assert_array_equal(T.randint(high, size=shape, seed=seed).data < high, True)


def test_randint_has_numpys_and_pytorchs_spellings():
    assert T.randint(10, (3,)).shape == (3,)  # PyTorch: randint(high, size)
    assert T.randint(2, 5, (2, 2)).shape == (2, 2)  # both: randint(low, high, size)
    assert T.randint(5).shape == ()  # NumPy: one bound, no size
    assert ((T.randint(3, size=100, seed=0).data >= 0) & (T.randint(3, size=100, seed=0).data < 3)).all()
    assert set(T.randint(0, 2, (200,), seed=1).data.tolist()) == {0, 1}
    assert T.randint(0, 5, (3,), dtype=np.int32).dtype == np.int32
    rng = np.random.default_rng(4)
    assert T.randint(0, 9, (4,), generator=rng).shape == (4,)
    assert Tensor.randint(3, (2,)).shape == (2,) and Tensor.linspace(0, 1, 3).shape == (3,)


def _second_draw(p):
    """P(the second draw without replacement is j) = sum over i != j of p_i p_j / (1 - p_i)."""
    return np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(len(p)) if i != j) for j in range(len(p))])


def test_multinomial_draws_as_torch_with_and_without_replacement():
    weights = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)  # need not sum to 1
    p = weights / weights.sum()
    out = T.multinomial(Tensor(weights), 20000, replacement=True, generator=np.random.default_rng(0))
    assert out.dtype == np.int64 and out.shape == (20000,) and not out.requires_grad
    np.testing.assert_allclose(np.bincount(out.data, minlength=4) / 20000, p, atol=0.015)
    rows = T.multinomial(Tensor(np.tile(weights, (4000, 1))), 2, seed=1)  # 2-d: one row of weights per draw
    assert rows.shape == (4000, 2) and (rows.data[:, 0] != rows.data[:, 1]).all()
    np.testing.assert_allclose(np.bincount(rows.data[:, 0], minlength=4) / 4000, p, atol=0.03)
    np.testing.assert_allclose(np.bincount(rows.data[:, 1], minlength=4) / 4000, _second_draw(p), atol=0.03)
    torch = pytest.importorskip("torch")
    ref = torch.multinomial(torch.tensor(np.tile(weights, (4000, 1))), 2, generator=torch.Generator().manual_seed(1))
    assert tuple(ref.shape) == rows.shape and ref.numpy().dtype == rows.dtype
    np.testing.assert_allclose(np.bincount(ref[:, 1].numpy(), minlength=4) / 4000, _second_draw(p), atol=0.03)
    assert sorted(T.multinomial(Tensor(weights), 4).tolist()) == [0, 1, 2, 3]  # a permutation, as PyTorch's


def test_multinomial_is_reproducible_and_a_method_too():
    p = Tensor([0.2, 0.0, 0.8])
    a = T.multinomial(p, num_samples=50, replacement=True, generator=np.random.default_rng(2147483647))
    b = p.multinomial(50, True, generator=np.random.default_rng(2147483647))
    np.testing.assert_array_equal(a.data, b.data)
    assert 1 not in a.tolist()  # a weight of 0 is never drawn
    np.testing.assert_array_equal(a.data, T.multinomial(p, 50, True, seed=2147483647).data)
    assert T.multinomial(p, num_samples=1, replacement=True).item() in (0, 2)  # makemore's sampling step
    assert T.multinomial(Tensor(np.zeros((0, 3))), 2).shape == (0, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: T.multinomial(Tensor([1, 2]), 1), TypeError, r"multinomial: the weights must be a float tensor"),
        (lambda: T.multinomial(Tensor(1.0), 1), ValueError, r"must be 1-d or 2-d .* got shape \(\)"),
        (lambda: T.multinomial(Tensor([1.0]), 0), ValueError, "num_samples must be >= 1, got 0"),
        (lambda: T.multinomial(Tensor([1.0]), 1.0), TypeError, "num_samples must be an int"),
        (lambda: T.multinomial(Tensor([1.0, -1.0]), 1), ValueError, "finite and >= 0"),
        (lambda: T.multinomial(Tensor([1.0, np.nan]), 1), ValueError, "finite and >= 0"),
        (lambda: T.multinomial(Tensor([[1.0], [0.0]]), 1), ValueError, "positive sum"),
        (lambda: T.multinomial(Tensor([1.0, 0.0]), 2), ValueError, "without replacement: a row has only 1"),
        (lambda: T.multinomial(Tensor([1.0]), 1, replacement=1), TypeError, "replacement must be True or False"),
        (lambda: T.multinomial(Tensor([1.0]), 1, seed=1, generator=np.random.default_rng()), ValueError, "either"),
    ],
)
def test_multinomial_refuses_bad_weights_and_counts(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: T.randint(5, 5), ValueError, r"randint: low \(5\) must be less than high \(5\)"),
        (lambda: T.randint(1.5, 3), TypeError, "randint: low must be an int"),
        (lambda: T.randint(0, 3, (2,), dtype=np.float32), TypeError, "randint: dtype must be an integer dtype"),
        (lambda: T.randint(0, 300, (2,), dtype=np.uint8), ValueError, r"randint: \[0, 300\) does not fit in uint8"),
        (lambda: T.randint(0, 3, (-1,)), ValueError, "randint: sizes must be >= 0"),
        (lambda: T.linspace(0, 1, -1), ValueError, "linspace: the number of values must be >= 0"),
        (lambda: T.linspace(0, 1, 2.5), TypeError, "linspace: num must be an int"),
        (lambda: T.linspace(0, 1, 3, steps=3), TypeError, "linspace: give num .* or steps"),
        (lambda: T.linspace(0, float("inf"), 3), ValueError, "linspace: stop must be finite"),
        (lambda: T.linspace("a", 1, 3), TypeError, "linspace: start must be a number"),
        (lambda: T.empty(-2), ValueError, "empty: sizes must be >= 0"),
        (lambda: T.empty(2, dtype="complex64"), TypeError, "empty: dtype complex64 is not supported"),
        (lambda: T.full_like(Tensor([1.0]), "x"), TypeError, "full_like: fill_value must be a number"),
        (lambda: T.zeros_like("abc"), TypeError, "zeros_like: expected a Tensor or an array"),
        (lambda: T.rand(2, dtype=np.int64), TypeError, "rand: samples from a continuous distribution need a float"),
        (lambda: T.randn_like(Tensor([1.0]), dtype=np.int64), TypeError, "randn_like: samples .* need a float"),
    ],
)
def test_creation_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- PyTorch's spellings -------------------------------------------------------------
PYTORCH_SPELLINGS = [
    "add", "sub", "mul", "div", "pow", "neg", "matmul", "dot", "view", "expand", "where", "maximum", "minimum",
    "clone", "contiguous", "float", "double", "int", "long", "bool", "type_as", "numel", "dim", "sum", "mean",
    "max", "min", "var", "argmax", "argmin", "logsumexp", "softmax", "log_softmax", "reshape", "permute",
    "transpose", "unsqueeze", "squeeze", "flatten", "clamp", "abs", "exp", "log", "sqrt", "tanh", "sigmoid",
    "relu", "item", "detach", "requires_grad_", "backward", "numpy",
]  # fmt: skip


def test_every_method_of_the_pytorch_spellings_row_exists():
    missing = [name for name in PYTORCH_SPELLINGS if not callable(getattr(Tensor, name, None))]
    assert not missing, f"Tensor lacks PyTorch's methods {missing}"
    assert T.cat is T.concatenate


def test_pytorch_spellings_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    b = np.array([[2.0, 1.0, -1.0], [1.0, 1.0, 3.0]])
    x, y = Tensor(a), Tensor(b)
    u, v = torch.tensor(a), torch.tensor(b)
    checks = [
        (x.add(y, alpha=2.0), u.add(v, alpha=2.0)),
        (x.sub(y, alpha=0.5), u.sub(v, alpha=0.5)),
        (x.mul(y), u.mul(v)),
        (x.div(y), u.div(v)),
        (x.abs().pow(0.5), u.abs().pow(0.5)),
        (x.neg(), u.neg()),
        (x.matmul(y.T), u.matmul(v.T)),
        (x[0].dot(y[1]), u[0].dot(v[1])),
        (x.view(3, 2), u.view(3, 2)),
        (x[:1].expand(4, -1), u[:1].expand(4, -1)),
        (x.where(x > 0, y), u.where(u > 0, v)),
        (x.maximum(y), u.maximum(v)),
        (x.minimum(y), u.minimum(v)),
        (x.sum(dim=1, keepdim=True), u.sum(dim=1, keepdim=True)),
        (x.mean(dim=0), u.mean(dim=0)),
        (x.var(dim=1, correction=0), u.var(dim=1, correction=0)),
        (x.var(dim=1), u.var(dim=1)),  # PyTorch's default correction is 1
        (x.amax(dim=1), u.amax(dim=1)),
        (x.logsumexp(dim=1), u.logsumexp(dim=1)),
        (x.softmax(dim=0), u.softmax(dim=0)),
        (T.cat([x, y], dim=1), torch.cat([u, v], dim=1)),
        (x.clone(), u.clone()),
        (x.T.contiguous(), u.T.contiguous()),
    ]
    for ours, theirs in checks:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    assert x.numel() == u.numel() and x.dim() == u.dim()


@FAST
@given(data=st.data())
def test_the_new_method_spellings_have_gradients(data):
    a, b = data.draw(mst.broadcastable_pairs(max_dims=2, max_side=3))
    mask = Tensor(a > 0)
    gradcheck(lambda s, t: s.where(mask, t), [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)])
    n = data.draw(st.integers(1, 4))
    p, q = data.draw(mst.arrays((n,))), data.draw(mst.arrays((n,)))
    gradcheck(lambda s, t: s.dot(t), [Tensor(p, requires_grad=True), Tensor(q, requires_grad=True)])
    gradcheck(lambda s: s.clone() * s, [Tensor(p, requires_grad=True)])
    gradcheck(lambda s: s.T.contiguous(), [Tensor(a, requires_grad=True)])


def test_dot_needs_two_vectors_of_one_length():
    with pytest.raises(ValueError, match=r"dot: needs two 1-d tensors of the same length, got shapes \(2, 2\)"):
        Tensor(np.eye(2)).dot(Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"got shapes \(2,\) and \(3,\)"):
        Tensor([1.0, 2.0]).dot(Tensor([1.0, 2.0, 3.0]))


# --- the ops reference -----------------------------------------------------------------
def test_the_ops_reference_lists_every_elementwise_activation_and_creation_op():
    """docs/api/ops.md names each module function of these groups and each method of Tensor's block for them."""
    from pathlib import Path

    from microgradnn.tensor import activations, creation, elementwise

    page = (Path(__file__).resolve().parents[1] / "docs" / "api" / "ops.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`[^`]*`", page))
    words = {w for span in named for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", span)}
    functions = [n for m in (elementwise, activations, creation) for n in m.__all__ if n[0].islower()]
    methods = [
        "where", "maximum", "minimum", "clone", "contiguous", "dot", "float", "double", "half", "int", "long",
        "bool", "type_as", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "mod", "swish",
    ]  # fmt: skip
    missing = sorted(n for n in {*functions, *methods} if n not in words)
    assert not missing, f"docs/api/ops.md does not list {missing}"
    others = ("Reductions, scans, sorting", "Shape and indexing", "Einsum and attention", "Convolution and pooling")
    for section in others:  # the sections whose rows the other developers of issue 13 fill in
        assert f"**{section}**" in page


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.float32(1.5), np.float16(1.5), np.int32(3), np.bool_(True)])
def test_a_numpy_scalar_keeps_its_dtype_as_an_array_does(scalar):
    # np.float64 is also a Python float, which becomes the default float32: a NumPy scalar is data, as in PyTorch.
    t = Tensor(scalar)
    assert t.dtype == np.asarray(scalar).dtype and t.shape == ()
    assert Tensor(scalar, dtype=np.float32).dtype == np.float32  # an explicit dtype still wins
