"""Edge cases of convolution, pooling, reductions and indexing that a learner meets next to PyTorch.

Each test pins the expected numbers, so it runs without torch too, and compares with PyTorch (float64) where torch
is installed: NaN and -inf in max pooling, the L1 norm and cumprod at inf and NaN, the dtypes of int inputs and of
masks, a left-out element of scatter_reduce, and empty convolutions refused with a clear error.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, get_default_dtype, set_default_dtype
from microgradnn.gradcheck import gradgradcheck
from microgradnn.tensor import conv1d, conv2d, conv_transpose2d, max_pool2d
from microgradnn.testing.strategies import arrays_with_specials

nan, inf = np.nan, np.inf
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _torch():
    return pytest.importorskip("torch")


def ours_and_grad(f, a, upstream=None):
    """f at a float64 leaf, and the leaf's gradient for the upstream gradient (ones by default)."""
    x = Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
    with np.errstate(all="ignore"):  # 0 * inf and NaN on purpose
        out = f(x)
        out.backward(np.ones(out.shape) if upstream is None else upstream)
    return out.data, x.grad


def torch_and_grad(f, a, upstream=None):
    torch = _torch()
    x = torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
    out = f(x)
    out.backward(torch.ones_like(out) if upstream is None else torch.tensor(upstream))
    return out.detach().numpy(), x.grad.numpy()


def assert_same(got, expected, what=""):
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)


# ------------------------------------------------------------------ max pooling: NaN and -inf windows
POOL_CASES = [
    # (input (1, 1, H, W), kwargs, the gradient PyTorch gives for an upstream of ones)
    ([[nan, 1.0], [nan, 2.0]], {"kernel_size": 2}, [[0, 0], [1, 0]]),  # of two NaNs, the last one
    ([[1.0, nan], [nan, 2.0]], {"kernel_size": 2}, [[0, 0], [1, 0]]),
    ([[-inf] * 3] * 3, {"kernel_size": 2, "padding": 1}, [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),  # never the padding
    ([[-inf] * 3] * 3, {"kernel_size": 2, "stride": 2, "ceil_mode": True}, [[1, 0, 1], [0, 0, 0], [1, 0, 1]]),
]


@pytest.mark.parametrize(("x", "kwargs", "expected"), POOL_CASES)
def test_max_pool2d_nan_and_minus_inf_windows_send_the_gradient_where_torch_does(x, kwargs, expected):
    a = np.asarray([[x]], dtype=np.float64)
    value, grad = ours_and_grad(lambda t: max_pool2d(t, **kwargs), a)
    assert_same(grad[0, 0], expected, f"max_pool2d{kwargs} at {x}")
    torch = pytest.importorskip("torch")
    t_value, t_grad = torch_and_grad(lambda t: torch.nn.functional.max_pool2d(t, **kwargs), a)
    assert_same(value, t_value)
    assert_same(grad, t_grad)


def test_max_pool2d_minus_inf_window_keeps_its_gradient_under_create_graph():
    """The graph path (a scatter) uses the same picks: a -inf window's gradient still reaches the input."""
    x = Tensor(np.full((1, 1, 3, 3), -inf), requires_grad=True)
    max_pool2d(x, 2, padding=1).sum().backward(create_graph=True)
    assert_same(x.grad.data[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    finite = Tensor(np.arange(9.0).reshape(1, 1, 3, 3) * 0.37, requires_grad=True)
    assert gradgradcheck(lambda t: (max_pool2d(t, 2, padding=1) ** 2).sum(), [finite]).ok


@SETTINGS
@given(data=st.data())
def test_max_pool2d_matches_torch_with_nan_inf_and_ties(data):
    torch = _torch()
    a = data.draw(arrays_with_specials(shape=(1, 2, 4, 4)))
    k = data.draw(st.integers(1, 3))
    stride, pad = data.draw(st.integers(1, 3)), data.draw(st.integers(0, k // 2))
    dilation, ceil_mode = data.draw(st.integers(1, 2)), data.draw(st.booleans())
    if 4 + 2 * pad < dilation * (k - 1) + 1:
        return
    args = (k, stride, pad, dilation, ceil_mode)
    u = np.random.default_rng(0).uniform(0.5, 1.5, max_pool2d(Tensor(a), *args).shape)
    value, grad = ours_and_grad(lambda t: max_pool2d(t, *args), a, u)
    t_value, t_grad = torch_and_grad(lambda t: torch.nn.functional.max_pool2d(t, *args), a, u)
    assert_same(value, t_value, f"max_pool2d{args} at {a!r}")
    assert_same(grad, t_grad, f"max_pool2d{args} gradient at {a!r}")


# ------------------------------------------------------------------ norm and cumprod at inf and NaN
@pytest.mark.parametrize(
    ("x", "expected"),
    [([1.0, inf, -3.0], [1.0, 1.0, -1.0]), ([1.0, nan, -3.0], [1.0, 0.0, -1.0]), ([-inf, 0.0], [-1.0, 0.0])],
)
def test_l1_norm_gradient_is_the_sign_also_at_inf_and_nan(x, expected):
    """d|x|_1/dx = sign(x): 1 at inf (not nan), and 0 at nan (sign(nan) = 0, as PyTorch's and Tensor.sign)."""
    _, grad = ours_and_grad(lambda t: t.norm(p=1), x)
    assert_same(grad, expected)
    torch = pytest.importorskip("torch")
    assert_same(grad, torch_and_grad(lambda t: torch.linalg.vector_norm(t, 1), x)[1])


@SETTINGS
@given(a=arrays_with_specials(shape=(2, 3)))
def test_l1_norm_matches_torch_with_specials(a):
    torch = _torch()
    u = np.array([0.7, 1.3])
    value, grad = ours_and_grad(lambda t: t.norm(p=1, dim=1), a, u)
    t_value, t_grad = torch_and_grad(lambda t: torch.linalg.vector_norm(t, 1, dim=1), a, u)
    assert_same(value, t_value)
    assert_same(grad, t_grad, f"norm(p=1) gradient at {a!r}")


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([1.0, nan, 0.0], [nan, nan, nan]),  # the zero's gradient is 1 * nan (NaN is no zero)
        ([1.0, 0.0, 0.0, nan], [1.0, 1.0, 0.0, 0.0]),  # the products after a zero are 0, also with a NaN in them
        ([0.0, inf, 2.0], [inf, 0.0, 0.0]),
    ],
)
def test_cumprod_gradient_next_to_nan_and_zeros_follows_torch(x, expected):
    _, grad = ours_and_grad(lambda t: t.cumprod(dim=0), x)
    assert_same(grad, expected)
    pytest.importorskip("torch")
    assert_same(grad, torch_and_grad(lambda t: t.cumprod(0), x)[1])


@SETTINGS
@given(a=arrays_with_specials(shape=(2, 4)))
def test_cumprod_matches_torch_with_zeros_and_nan(a):
    """Zeros and NaN mixed (inf left out: 0 * inf has no single answer; subnormals count as zeros here)."""
    _torch()
    a = np.where(np.isinf(a), 2.0, np.where(np.abs(a) < np.finfo(np.float64).tiny, 0.0, a))
    u = np.random.default_rng(1).uniform(0.5, 1.5, a.shape)
    value, grad = ours_and_grad(lambda t: t.cumprod(dim=1), a, u)
    t_value, t_grad = torch_and_grad(lambda t: t.cumprod(1), a, u)
    assert_same(value, t_value)
    assert_same(grad, t_grad, f"cumprod gradient at {a!r}")


def test_inf_norm_of_an_empty_tensor_names_norm():
    with pytest.raises(ValueError, match=r"norm: the p=inf norm needs at least one element"):
        Tensor(np.zeros((2, 0))).norm(p=float("inf"), dim=1)


# ------------------------------------------------------------------ dtypes of int and bool inputs
FLOAT_OF_INT = {
    "std": lambda t: t.std(),
    "norm": lambda t: t.norm(),
    "norm_inf": lambda t: t.norm(p=float("inf")),
    "normalize": lambda t: t.normalize(dim=0),
    "logcumsumexp": lambda t: t.logcumsumexp(dim=0),
}


@pytest.mark.parametrize("name", sorted(FLOAT_OF_INT))
@pytest.mark.parametrize("int_dtype", [np.int64, np.int32])
def test_int_inputs_become_the_default_float_dtype(name, int_dtype):
    """As mean and exp do (PyTorch's default float): std of an int64 tensor is float32, not float64."""
    x = Tensor(np.array([1, 2, 4], dtype=int_dtype))
    assert FLOAT_OF_INT[name](x).dtype == np.float32
    old = get_default_dtype()
    set_default_dtype(np.float64)
    try:
        assert FLOAT_OF_INT[name](x).dtype == np.float64
    finally:
        set_default_dtype(old)
    np.testing.assert_allclose(x.std().item(), np.std([1.0, 2.0, 4.0]), rtol=1e-6)


@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("dtype", [bool, np.int32, np.int64, np.float32])
def test_tril_and_triu_keep_the_dtype_so_a_bool_mask_stays_a_mask(op, dtype):
    """A causal mask, ones(n, n, bool).tril(), is bool as in PyTorch, and masked_fill takes it."""
    x = Tensor(np.ones((3, 3), dtype=dtype))
    out = getattr(x, op)()
    assert out.dtype == np.dtype(dtype)
    expected = np.tril(np.ones((3, 3))) if op == "tril" else np.triu(np.ones((3, 3)))
    np.testing.assert_array_equal(out.data, expected.astype(dtype))
    if dtype is bool:
        scores = Tensor(np.zeros((3, 3)))
        filled = scores.masked_fill(~out, -inf)
        np.testing.assert_array_equal(np.isinf(filled.data), ~expected.astype(bool))
    torch = pytest.importorskip("torch")
    t = getattr(torch.ones(3, 3, dtype=torch.from_numpy(np.ones(1, dtype=dtype)).dtype), op)()
    np.testing.assert_array_equal(out.data, t.numpy())


MASKED_FILL_CASES = [
    # (x's dtype, the value, the result PyTorch gives for x = [1, 0, 3], mask = [True, False, True])
    (np.int64, 2.7, [2, 0, 2]),
    (np.int32, 2.7, [2, 0, 2]),
    (np.int64, -1.5, [-1, 0, -1]),
    (np.int32, np.int64(7), [7, 0, 7]),
    (bool, 2.0, [True, False, True]),
    (bool, 0, [False, False, False]),
    (np.float32, 2.5, [2.5, 0, 2.5]),
]


@pytest.mark.parametrize(("dtype", "value", "expected"), MASKED_FILL_CASES)
def test_masked_fill_keeps_the_tensors_dtype(dtype, value, expected):
    x = Tensor(np.array([1, 0, 3]).astype(dtype))
    mask = np.array([True, False, True])
    out = x.masked_fill(mask, value)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.data, np.array(expected, dtype=dtype))
    zero_d = x.masked_fill(mask, Tensor(np.asarray(value, dtype=np.float64)))
    assert zero_d.dtype == np.dtype(dtype)
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(x.data.copy()).masked_fill(torch.from_numpy(mask), float(value))
    np.testing.assert_array_equal(out.data, t.numpy())


@pytest.mark.parametrize(("dtype", "value"), [(np.int64, inf), (np.int64, nan), (np.int8, 300)])
def test_masked_fill_refuses_a_value_an_int_tensor_cannot_hold(dtype, value):
    x = Tensor(np.array([1, 0, 3], dtype=dtype))
    with pytest.raises(
        ValueError, match=rf"masked_fill: the value .* does not fit in the tensor's dtype {np.dtype(dtype)}"
    ):
        x.masked_fill(np.array([True, False, True]), value)


# ------------------------------------------------------------------ scatter_reduce: a left-out element
@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_left_out_element_gets_no_nan_gradient(reduce):
    """include_self=False leaves x[0, 0] out; a NaN scattered onto it must not make its gradient 0 / 0."""
    x = Tensor(np.array([[1.0, 5.0, 3.0]]), requires_grad=True)
    src = Tensor(np.array([[nan, 2.0]]), requires_grad=True)
    index = np.array([[0, 2]])
    out = x.scatter_reduce(1, index, src, reduce, include_self=False)
    with np.errstate(all="ignore"):
        out.backward(np.array([[0.7, 1.1, 1.3]]))
    assert_same(out.data, [[nan, 5.0, 2.0]])
    assert_same(x.grad, [[0.0, 1.1, 0.0]])
    assert_same(src.grad, [[nan, 1.3]])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.data, requires_grad=True)
    ts = torch.tensor(src.data, requires_grad=True)
    tx.scatter_reduce(1, torch.tensor(index), ts, reduce, include_self=False).backward(
        torch.tensor([[0.7, 1.1, 1.3]], dtype=torch.float64)
    )
    assert_same(x.grad, tx.grad.numpy())
    assert_same(src.grad, ts.grad.numpy())


# ------------------------------------------------------------------ empty convolutions
EMPTY_CONVS = [
    ("conv2d", lambda: conv2d(Tensor(np.zeros((1, 2, 5, 6))), Tensor(np.zeros((0, 2, 3, 3)))), r"\(0, 2, 3, 3\)"),
    ("conv1d", lambda: conv1d(Tensor(np.zeros((1, 4, 3))), Tensor(np.zeros((0, 4, 3)))), r"\(0, 4, 3\)"),
    (
        "conv2d",
        lambda: conv2d(Tensor(np.zeros((1, 2, 0, 6))), Tensor(np.zeros((3, 2, 1, 1))), padding=1),
        r"\(1, 2, 0, 6\)",
    ),
    (
        "conv_transpose2d",
        lambda: conv_transpose2d(Tensor(np.zeros((1, 4, 3, 3))), Tensor(np.zeros((4, 0, 3, 3)))),
        r"\(4, 0, 3, 3\)",
    ),
    (
        "conv_transpose2d",
        lambda: conv_transpose2d(Tensor(np.zeros((1, 4, 0, 3))), Tensor(np.zeros((4, 2, 3, 3)))),
        r"\(1, 4, 0, 3\)",
    ),
]


@pytest.mark.parametrize(("op", "call", "shape"), EMPTY_CONVS)
def test_convolutions_refuse_empty_channels_and_images_naming_the_shapes(op, call, shape):
    """PyTorch refuses these too; only an empty batch gives an (empty) result."""
    with pytest.raises(ValueError, match=rf"{op}: empty input .*{shape}.* every size but the batch must be at least 1"):
        call()


def test_var_of_ints_is_in_the_default_float_dtype():
    before = get_default_dtype()
    try:
        set_default_dtype(np.float64)
        assert Tensor([1, 2, 4]).var().dtype == np.float64  # as mean and std: it was float32 whatever the default
    finally:
        set_default_dtype(before)
    assert Tensor([1, 2, 4]).var().dtype == before


def test_a_number_too_big_for_an_int_tensor_names_the_op_and_the_fix():
    t = Tensor(np.array([1, 2], dtype=np.int8))
    with pytest.raises(OverflowError, match=r"Tensor \+: the number 300 does not fit in the tensor's dtype int8"):
        t + 300
    assert (t + 100).dtype == np.int8  # a number that fits keeps the tensor's dtype
