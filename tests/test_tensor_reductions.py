"""Reductions, scans and sorting (tensor/reductions.py): finite differences in float64, PyTorch, NumPy, errors.

Every op with a gradient is checked by gradcheck on hypothesis-drawn inputs (the package's strategies), its
forward value and gradient against PyTorch (float64, a random upstream gradient), and, where its backward is
its own Function, to second order (gradgradcheck: the backward runs again on Tensors under create_graph).
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch_reference import against_torch, leaf

from microgradnn import Tensor, gradcheck
from microgradnn.gradcheck import gradgradcheck
from microgradnn.tensor import reductions as R
from microgradnn.testing import strategies as mst

torch = pytest.importorskip("torch")

FAST = settings(deadline=None, max_examples=25)
SHAPES = mst.shapes(min_dims=1, max_dims=3, max_side=4)


@st.composite
def array_and_axis(draw, op="any", min_gap=None, shapes=SHAPES):
    x = draw(mst.arrays(shapes, op, min_gap=min_gap), label="x")
    axis = draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    return x, axis


@st.composite
def with_zeros(draw, shapes=SHAPES):
    """An array with 0, 1, 2 or 3 of its elements exactly zero (where prod-like gradients are delicate)."""
    x = draw(mst.arrays(shapes), label="x")
    flat = x.ravel().copy()
    picks = draw(st.lists(st.integers(0, flat.size - 1), max_size=min(3, flat.size), unique=True), label="zeros")
    flat[picks] = 0.0
    return flat.reshape(x.shape)


# ------------------------------------------------------------------ std
@FAST
@given(array_and_axis(min_gap=0.3), st.sampled_from([0, 1]), st.booleans())
def test_std_matches_finite_differences_torch_and_numpy(xa, ddof, keep):
    x, axis = xa
    if x.shape[axis] < 2:  # a slice of one element has std 0, where std is not differentiable
        x = np.concatenate([x, x + 0.5], axis=axis)
    gradcheck(lambda t: t.std(axis=axis, ddof=ddof, keepdims=keep), [leaf(x)])
    np.testing.assert_allclose(leaf(x).std(axis=axis, ddof=ddof).data, np.std(x, axis=axis, ddof=ddof))
    against_torch(
        lambda t: t.std(dim=axis, correction=ddof, keepdim=keep),
        lambda t: t.std(dim=axis, correction=ddof, keepdim=keep),
        [x],
    )


def test_std_of_a_constant_slice_has_torchs_zero_gradient():
    x = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 3.0]])
    against_torch(lambda t: t.std(dim=1), lambda t: t.std(dim=1), [x])
    t = leaf(x)
    t.std(axis=1).sum().backward()
    np.testing.assert_array_equal(t.grad[0], [0.0, 0.0, 0.0])
    gradgradcheck(lambda t: t.std(axis=1), [leaf(x[1:])])


def test_std_defaults_follow_each_librarys_spelling():
    x = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, 3.0]])
    t = leaf(x)
    np.testing.assert_allclose(t.std().data, np.std(x))  # NumPy: ddof 0
    np.testing.assert_allclose(t.std(dim=1).data, torch.tensor(x).std(dim=1).numpy())  # PyTorch: correction 1
    np.testing.assert_allclose(t.std(axis=1).data, np.std(x, axis=1))
    xt = torch.tensor(x)  # PyTorch's keepdim= with a positional dim is PyTorch's call, so correction 1 (makemore's BN)
    np.testing.assert_allclose(t.std(0, keepdim=True).data, xt.std(0, keepdim=True).numpy())
    np.testing.assert_allclose(t.var(1, keepdim=False).data, xt.var(1, keepdim=False).numpy())
    np.testing.assert_allclose(t.var(1, keepdims=True).data, np.var(x, axis=1, keepdims=True))  # NumPy's keepdims
    with pytest.raises(TypeError, match="std: give ddof"):
        t.std(ddof=1, correction=1)
    with pytest.raises(ValueError, match="std: 3 elements with ddof=3"):
        t.std(axis=1, ddof=3)


# ------------------------------------------------------------------ prod
@FAST
@given(with_zeros(), st.data())
@example(np.array([0.0, 2.0, 3.0]), None)  # one zero: its gradient is the product of the rest
@example(np.array([0.0, 2.0, 0.0]), None)  # two zeros: every gradient is 0
def test_prod_is_exact_at_zeros(x, data):
    axis = None if data is None else data.draw(st.sampled_from([None, *range(-x.ndim, x.ndim)]), label="axis")
    # prod is linear in each element, so central differences are exact even at zeros.
    gradcheck(lambda t: t.prod(axis=axis), [leaf(x)])
    against_torch(lambda t: t.prod(dim=axis), lambda t: t.prod(dim=axis) if axis is not None else t.prod(), [x])


def test_prod_gradient_at_zeros_by_hand():
    x = leaf([0.0, 2.0, 3.0])
    x.prod().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 0.0, 0.0])
    y = leaf([0.0, 2.0, 0.0])
    y.prod().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 0.0])


@settings(deadline=None, max_examples=10)
@given(with_zeros(mst.shapes(min_dims=1, max_dims=2, max_side=3)))
def test_prod_second_derivatives(x):
    gradgradcheck(lambda t: t.prod(axis=-1), [leaf(x)])


def test_prod_over_several_axes_keepdims_and_ints():
    x = np.arange(1.0, 25.0).reshape(2, 3, 4) / 10
    against_torch(lambda t: t.prod(axis=(0, 2), keepdims=True), lambda t: t.prod(2, keepdim=True).prod(0, True), [x])
    assert Tensor([2, 3]).prod().dtype == np.int64 and Tensor([2, 3]).prod().item() == 6
    assert leaf(np.zeros((2, 0))).prod(axis=1).data.tolist() == [1.0, 1.0]  # the empty product is 1


# ------------------------------------------------------------- any, all, isclose
@FAST
@given(mst.arrays(mst.shapes(max_dims=3)).map(lambda a: np.round(a / 8)), st.data())
def test_any_all_match_numpy_and_carry_no_gradient(x, data):
    axis = data.draw(st.sampled_from([None, *range(-max(x.ndim, 1), max(x.ndim, 1))]), label="axis")
    t = leaf(x)
    for ours, theirs in ((t.any, np.any), (t.all, np.all)):
        out = ours(axis=axis)
        np.testing.assert_array_equal(out.data, theirs(x, axis=axis if x.ndim else None))
        assert out.dtype == bool and not out.requires_grad
        assert ours(dim=axis, keepdim=True).shape == theirs(x, axis=axis if x.ndim else None, keepdims=True).shape


def test_isclose_matches_torch_with_nan_and_inf():
    a = np.array([1.0, 1.0 + 1e-9, np.nan, np.inf, -np.inf, 2.0])
    b = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 2.1])
    for equal_nan in (False, True):
        ours = leaf(a).isclose(leaf(b), equal_nan=equal_nan)
        np.testing.assert_array_equal(ours.data, torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=equal_nan))
        assert ours.dtype == bool and not ours.requires_grad
    assert leaf([1.0, 1.5]).isclose(1.4, atol=0.2).data.tolist() == [False, True]
    with pytest.raises(ValueError, match="isclose: rtol and atol must be >= 0"):
        leaf([1.0]).isclose(1.0, rtol=-1)


# ------------------------------------------------------------------ norms
@FAST
@given(array_and_axis(), st.sampled_from([1, 2, 3, 0.5, np.inf]))
def test_norm_matches_finite_differences_and_torch(xa, p):
    x, axis = xa
    x = np.where(np.abs(x) < 0.05, 0.5, x)  # away from the kink of |x|
    if p == np.inf:
        x = np.round(x, 1) + np.arange(x.size).reshape(x.shape) * 1e-3  # distinct magnitudes: one maximum
    gradcheck(lambda t: t.norm(p, axis=axis), [leaf(x)])
    against_torch(lambda t: t.norm(p, dim=axis), lambda t: torch.linalg.vector_norm(t, p, dim=axis), [x])


@FAST
@given(array_and_axis(shapes=mst.shapes(min_dims=1, max_dims=3, max_side=3)), st.sampled_from([1, 2, 3]))
def test_normalize_matches_finite_differences_and_torch(xa, p):
    x, axis = xa
    x = np.where(np.abs(x) < 0.05, 0.5, x)
    gradcheck(lambda t: t.normalize(p, axis), [leaf(x)])
    against_torch(lambda t: R.normalize(t, p, axis), lambda t: torch.nn.functional.normalize(t, p=p, dim=axis), [x])


def test_normalize_of_a_zero_row_is_zero_with_torchs_gradient():
    x = np.array([[0.0, 0.0, 0.0], [3.0, -4.0, 0.0]])
    against_torch(lambda t: t.normalize(), lambda t: torch.nn.functional.normalize(t), [x])
    t = leaf(x)
    assert np.isfinite(t.norm(axis=1).sum().data)
    t.norm(axis=1).sum().backward()
    np.testing.assert_array_equal(t.grad[0], [0.0, 0.0, 0.0])  # PyTorch's subgradient at a zero norm


def test_norm_second_derivatives():
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    for p in (1.5, 2, 3):
        gradgradcheck(lambda t, p=p: t.norm(p, axis=1), [x])


# ------------------------------------------------------------------- scans
SCANS = {
    "cumsum": (lambda t, a: t.cumsum(a), lambda t, a: torch.cumsum(t, a)),
    "cumprod": (lambda t, a: t.cumprod(a), lambda t, a: torch.cumprod(t, a)),
    "logcumsumexp": (lambda t, a: t.logcumsumexp(a), lambda t, a: torch.logcumsumexp(t, a)),
}


@pytest.mark.parametrize("op", sorted(SCANS))
@FAST
@given(xa=array_and_axis())
def test_scans_match_finite_differences_and_torch(op, xa):
    x, axis = xa
    ours, theirs = SCANS[op]
    gradcheck(lambda t: ours(t, axis), [leaf(x)])
    against_torch(lambda t: ours(t, axis), lambda t: theirs(t, axis), [x])


@FAST
@given(with_zeros(), st.data())
@example(np.array([2.0, 0.0, 3.0, 0.0, 5.0]), None)
@example(np.array([0.0, 0.0, 2.0]), None)
def test_cumprod_is_exact_at_zeros(x, data):
    axis = 0 if data is None else data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    gradcheck(lambda t: t.cumprod(axis), [leaf(x)])  # each output is linear in each element: exact
    against_torch(lambda t: t.cumprod(axis), lambda t: torch.cumprod(t, axis), [x])


@pytest.mark.parametrize("op", sorted(SCANS))
def test_scans_second_derivatives(op):
    ours, _ = SCANS[op]
    x = np.array([[0.5, -1.0, 2.0, 0.7], [1.5, 0.3, -0.7, 1.1]])
    gradgradcheck(lambda t: ours(t, 1), [leaf(x)])
    if op == "cumprod":
        gradgradcheck(lambda t: ours(t, 1), [leaf([[0.5, 0.0, 2.0, 0.7], [0.0, 0.3, 0.0, 1.1]])])


def test_logcumsumexp_is_stable_at_large_magnitudes():
    x = np.array([-1000.0, 0.0, 1000.0, 1000.0, -5.0])
    against_torch(lambda t: t.logcumsumexp(0), lambda t: torch.logcumsumexp(t, 0), [x])
    x32 = Tensor(np.array([1e4, -1e4, 3.0], dtype=np.float32), requires_grad=True)
    out = x32.logcumsumexp(0)
    assert out.dtype == np.float32 and np.isfinite(out.data).all()
    out.backward(np.array([1.0, -2.0, 0.5], dtype=np.float32))
    assert np.isfinite(x32.grad).all()


def test_scans_on_ints_0d_and_empty_and_the_numpy_spelling():
    assert Tensor([1, 2, 3]).cumsum(0).data.tolist() == [1, 3, 6]
    assert Tensor([1, 2, 3]).cumsum(0).dtype == np.int64
    assert Tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum().data.tolist() == [1.0, 3.0, 6.0, 10.0]  # np.cumsum flattens
    np.testing.assert_array_equal(leaf([[1.0, 2.0], [3.0, 4.0]]).cumsum(axis=0).data, [[1.0, 2.0], [4.0, 6.0]])
    for op in ("cumsum", "cumprod", "logcumsumexp"):
        zero_d = getattr(leaf(2.5), op)(0)
        assert zero_d.shape == () and zero_d.item() == getattr(torch, op)(torch.tensor(2.5), 0).item()
        assert getattr(leaf(np.zeros((2, 0))), op)(1).shape == (2, 0)
    with pytest.raises(TypeError, match="cumsum: give the axis"):
        R.cumsum(leaf([1.0]))


# ---------------------------------------------------------- cummax, cummin
@pytest.mark.parametrize("op", ["cummax", "cummin"])
@FAST
@given(xa=array_and_axis(min_gap=0.3))
def test_cummax_cummin_values_have_gradient_and_indices_match_torch(op, xa):
    x, axis = xa
    gradcheck(lambda t: getattr(t, op)(axis).values, [leaf(x)])
    against_torch(lambda t: getattr(t, op)(axis).values, lambda t: getattr(torch, op)(t, axis).values, [x])
    np.testing.assert_array_equal(
        getattr(leaf(x), op)(axis).indices.data, getattr(torch, op)(torch.tensor(x), axis).indices
    )


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_ties_and_nan_follow_torch(op):
    for x in ([1.0, 3.0, 3.0, 2.0, 3.0, 1.0], [2.0, np.nan, 1.0, np.nan, 5.0]):
        ours, ref = getattr(leaf(x), op)(0), getattr(torch, op)(torch.tensor(x), 0)
        np.testing.assert_array_equal(ours.values.data, ref.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, ref.indices.numpy())
        assert ours.indices.dtype == np.int64 and not ours.indices.requires_grad
    against_torch(lambda t: getattr(t, op)(0).values, lambda t: getattr(torch, op)(t, 0).values, [[1.0, 3.0, 3.0, 2.0]])


# ------------------------------------------------------------------ sorting
@FAST
@given(array_and_axis(min_gap=0.3), st.booleans())
def test_sort_values_have_gradient_indices_match_torch(xa, descending):
    x, axis = xa
    gradcheck(lambda t: t.sort(axis, descending).values, [leaf(x)])
    against_torch(lambda t: t.sort(axis, descending).values, lambda t: t.sort(axis, descending).values, [x])
    ours = leaf(x).sort(dim=axis, descending=descending)
    np.testing.assert_array_equal(ours.indices.data, torch.tensor(x).sort(axis, descending).indices)
    np.testing.assert_array_equal(leaf(x).argsort(axis, descending).data, ours.indices.data)
    assert ours.indices.dtype == np.int64 and not ours.indices.requires_grad


def test_sort_is_stable_and_puts_nan_where_torch_does():
    x = np.array([2.0, 1.0, np.nan, 2.0, 1.0, -np.inf])
    for descending in (False, True):
        ours = leaf(x).sort(0, descending)
        ref = torch.tensor(x).sort(stable=True, dim=0, descending=descending)
        np.testing.assert_array_equal(ours.values.data, ref.values)
        np.testing.assert_array_equal(ours.indices.data, ref.indices)
        np.testing.assert_array_equal(leaf(x).argsort(descending=descending).data, ref.indices)


@FAST
@given(array_and_axis(min_gap=0.3), st.booleans(), st.data())
def test_topk_matches_finite_differences_and_torch(xa, largest, data):
    x, axis = xa
    k = data.draw(st.integers(0, x.shape[axis]), label="k")
    gradcheck(lambda t: t.topk(k, axis, largest).values, [leaf(x)])
    against_torch(lambda t: t.topk(k, axis, largest).values, lambda t: t.topk(k, axis, largest).values, [x])
    ours, ref = leaf(x).topk(k, dim=axis, largest=largest), torch.tensor(x).topk(k, axis, largest)
    np.testing.assert_array_equal(ours.indices.data, ref.indices)


def test_sort_second_derivatives_and_errors():
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    gradgradcheck(lambda t: t.sort(1).values * t.sort(1).values, [x])
    with pytest.raises(ValueError, match="topk: k=4 is out of range for axis -1 of size 3"):
        x.topk(4)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        x.topk(1.5)
    with pytest.raises(TypeError, match="sort: dim must be one int"):
        x.sort((0, 1))
    with pytest.raises(np.exceptions.AxisError, match="argsort: axis 2 is out of range"):
        x.argsort(2)


# -------------------------------------------------- 0-d tensors and empty axes
ZERO_D = {
    "sum": (lambda t: t.sum(0), lambda t: t.sum(0)),
    "mean": (lambda t: t.mean(-1), lambda t: t.mean(-1)),
    "prod": (lambda t: t.prod(0), lambda t: t.prod(0)),
    "amax": (lambda t: t.max(0), lambda t: t.amax(0)),
    "amin": (lambda t: t.min(-1), lambda t: t.amin(-1)),
    "logsumexp": (lambda t: t.logsumexp(0), lambda t: t.logsumexp(0)),
    "softmax": (lambda t: t.softmax(0), lambda t: t.softmax(0)),
    "log_softmax": (lambda t: t.log_softmax(-1), lambda t: t.log_softmax(-1)),
    "norm": (lambda t: t.norm(dim=0), lambda t: torch.linalg.vector_norm(t, dim=0)),
    "cumsum": (lambda t: t.cumsum(0), lambda t: t.cumsum(0)),
    "sort": (lambda t: t.sort(0).values, lambda t: t.sort(0).values),
    "topk": (lambda t: t.topk(1, 0).values, lambda t: t.topk(1, 0).values),
}


@pytest.mark.parametrize("op", sorted(ZERO_D))
def test_reductions_over_axis_0_and_minus_1_of_a_0d_tensor_work_as_in_torch(op):
    ours, theirs = ZERO_D[op]
    against_torch(ours, theirs, [np.array(1.5)])
    gradcheck(ours, [leaf(1.5)])


def test_any_all_argmax_on_0d_tensors():
    t = Tensor(2.0)
    assert t.any(0).item() is True and t.all(dim=-1).item() is True
    assert t.argmax(0).item() == torch.tensor(2.0).argmax(0).item()


def test_empty_axes_give_minus_inf_and_empty_tensors_as_torch():
    x = np.zeros((2, 0))
    np.testing.assert_array_equal(leaf(x).logsumexp(axis=1).data, torch.tensor(x).logsumexp(1).numpy())
    assert leaf(x).logsumexp(axis=1).data.tolist() == [-np.inf, -np.inf]
    for op in ("softmax", "log_softmax"):
        out = getattr(leaf(x), op)(axis=1)
        assert out.shape == getattr(torch.tensor(x), op)(1).shape == (2, 0)
    # backward through an empty reduction: the empty input gets an empty gradient
    t = leaf(x)
    t.logsumexp(axis=1).sum().backward()
    assert t.grad.shape == (2, 0)
    t2 = leaf(x)
    (t2.softmax(axis=1).sum() + t2.prod(axis=1).sum()).backward()
    assert t2.grad.shape == (2, 0)
    assert leaf(np.zeros((0, 3))).logsumexp(axis=0).data.tolist() == [-np.inf] * 3


# ------------------------------------------------- strided inputs and float32
NON_CONTIGUOUS = {
    "std": lambda t: t.std(axis=0, ddof=1),
    "prod": lambda t: t.prod(axis=1),
    "norm": lambda t: t.norm(3, axis=0),
    "cumsum": lambda t: t.cumsum(1),
    "cumprod": lambda t: t.cumprod(0),
    "logcumsumexp": lambda t: t.logcumsumexp(1),
    "cummax": lambda t: t.cummax(0).values,
    "sort": lambda t: t.sort(1).values,
    "topk": lambda t: t.topk(2, 0).values,
}


@pytest.mark.parametrize("op", sorted(NON_CONTIGUOUS))
@settings(deadline=None, max_examples=10)
@given(data=st.data())
def test_strided_views_give_the_same_values_and_gradients(op, data):
    f = NON_CONTIGUOUS[op]
    x = data.draw(mst.non_contiguous_arrays((3, 3)), label="x")
    x += np.arange(9).reshape(3, 3) * 1e-2 * (np.abs(x).max() + 1)  # distinct values (no ties), still a view
    assert not x.flags.c_contiguous
    gradcheck(f, [Tensor(x, requires_grad=True)])
    a, b = Tensor(x, requires_grad=True), Tensor(np.ascontiguousarray(x), requires_grad=True)
    np.testing.assert_array_equal(f(a).data, f(b).data)
    f(a).sum().backward()
    f(b).sum().backward()
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12)


@pytest.mark.parametrize("op", sorted(NON_CONTIGUOUS))
def test_float32_stays_float32(op):
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [3.0, 1.0, 0.1]], dtype=np.float32), requires_grad=True)
    out = NON_CONTIGUOUS[op](x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
