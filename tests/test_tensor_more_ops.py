"""index_select, take and max_pool2d(return_indices=True): PyTorch's semantics, pinned numbers, finite differences.

Each op is checked three ways: numbers worked out by hand (these run without PyTorch), hypothesis properties
with the package's strategies (against NumPy's own np.take and np.add.at, and `gradcheck` in float64), and, where
PyTorch is installed, values and gradients against it. Indices repeat on purpose: their gradients add up.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnn.tensor as T
from microgradnn import Tensor, gradcheck, nn, no_grad
from microgradnn.gradcheck import gradgradcheck
from microgradnn.testing import strategies as mst

FAST = settings(deadline=None, max_examples=30)


def grid(*shape):
    """0, 1, 2, ... in `shape`, float64, requiring grad."""
    return Tensor(np.arange(float(np.prod(shape))).reshape(shape), requires_grad=True)


def _torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------- index_select
def test_index_select_picks_slices_and_adds_up_repeated_picks():
    x = grid(2, 3)
    y = x.index_select(1, Tensor(np.array([2, 0, 2])))
    assert y.data.tolist() == [[2.0, 0.0, 2.0], [5.0, 3.0, 5.0]]
    (y * Tensor([[1.0, 10.0, 100.0], [1.0, 10.0, 100.0]])).sum().backward()
    assert x.grad.tolist() == [[10.0, 0.0, 101.0], [10.0, 0.0, 101.0]]  # column 2 picked twice: 1 + 100


def test_index_select_takes_a_negative_dim_a_list_and_is_the_module_function():
    x = grid(3, 2)
    rows = T.index_select(x, -2, [1, 1, 0])
    assert rows.data.tolist() == [[2.0, 3.0], [2.0, 3.0], [0.0, 1.0]]
    assert np.array_equal(rows.data, x.index_select(0, np.array([1, 1, 0])).data)
    rows.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]


def test_index_select_of_nothing_and_of_a_0d_index_keep_the_axis():
    x = grid(2, 3)
    assert x.index_select(1, np.array([], dtype=np.int64)).shape == (2, 0)
    one = x.index_select(1, np.array(2))  # a 0-d index is one position, as in PyTorch: the axis stays
    assert one.shape == (2, 1) and one.data.ravel().tolist() == [2.0, 5.0]
    s = Tensor(np.float64(7.0), requires_grad=True)
    picked = s.index_select(0, np.array([0]))
    assert picked.shape == () and picked.item() == 7.0
    picked.backward()
    assert s.grad == 1.0


@st.composite
def select_cases(draw):
    """A float64 array, an axis (negative too) and a 1-d index along it, repeats and empty indices included."""
    shape = draw(mst.shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    x = draw(mst.arrays(shape), label="x")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    n = shape[dim]
    index = np.array(draw(st.lists(st.integers(0, n - 1), max_size=6), label="index"), dtype=np.int64)
    return x, dim, index


@FAST
@given(select_cases())
def test_index_select_is_np_take_along_the_axis_and_its_gradient_scatter_adds(case):
    x, dim, index = case
    t = Tensor(x, requires_grad=True)
    out = t.index_select(dim, index)
    np.testing.assert_array_equal(out.data, np.take(x, index, axis=dim))
    u = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(u)
    expected = np.zeros_like(x)
    np.add.at(np.moveaxis(expected, dim, 0), index, np.moveaxis(u, dim, 0))
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-12)
    if index.size:
        gradcheck(lambda v: v.index_select(dim, index), [Tensor(x, requires_grad=True)])


def test_index_select_is_differentiable_twice():
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]), requires_grad=True)
    gradgradcheck(lambda v: v.index_select(1, np.array([2, 0, 2])) ** 3, [x])


@FAST
@given(select_cases())
def test_index_select_matches_torch(case):
    torch = _torch()
    from torch_reference import against_torch

    x, dim, index = case
    against_torch(
        lambda t: t.index_select(dim, Tensor(index)), lambda t: torch.index_select(t, dim, torch.tensor(index)), [x]
    )


def test_index_select_errors_name_the_op_the_shape_and_the_fix():
    x = grid(2, 3)
    with pytest.raises(ValueError, match=r"index_select: index must be 1-d .* got shape \(1, 2\); flatten it"):
        x.index_select(1, np.array([[0, 1]]))
    with pytest.raises(TypeError, match=r"index_select: index must be an integer tensor .* float32; convert it"):
        x.index_select(1, Tensor([0.0, 1.0]))
    with pytest.raises(IndexError, match=r"index_select: index 3 is out of range for dim 1 of size 3 .*\(2, 3\)"):
        x.index_select(1, [0, 3])
    with pytest.raises(IndexError, match=r"index_select: index -1 .*\(negative positions are not allowed\)"):
        x.index_select(-1, [-1])
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(2, [0])  # no such axis
    with pytest.raises(ValueError, match="index_select: a 0-d tensor takes an index of exactly one position"):
        Tensor(1.0).index_select(0, [0, 0])


# --------------------------------------------------------------------- take
def test_take_indexes_the_flattened_tensor_in_the_index_shape():
    x = grid(2, 3)
    y = x.take(Tensor(np.array([[5, -1], [0, -6]])))  # -1 is the last element, -6 the first
    assert y.data.tolist() == [[5.0, 5.0], [0.0, 0.0]]
    (y * Tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    assert x.grad.tolist() == [[1100.0, 0.0, 0.0], [0.0, 0.0, 11.0]]  # each element picked twice: both add up


def test_take_of_a_0d_index_is_0d_and_the_module_function_agrees():
    x = grid(2, 2)
    one = T.take(x, np.array(3))
    assert one.shape == () and one.item() == 3.0
    assert T.take(x, [1, 1]).data.tolist() == [1.0, 1.0]
    assert T.take(x, np.zeros((0, 2), dtype=np.int64)).shape == (0, 2)
    assert Tensor(np.float64(4.0)).take([0, -1]).data.tolist() == [4.0, 4.0]


@st.composite
def take_cases(draw):
    """A float64 array and an index of any small shape into its flattened elements, negative ones included."""
    x = draw(mst.arrays(mst.shapes(min_dims=0, max_dims=3, max_side=3)), label="x")
    n = x.size
    index = draw(mst.hnp.arrays(np.int64, mst.shapes(0, 2, 0, 4), elements=st.integers(-n, n - 1)), label="index")
    return x, index


@FAST
@given(take_cases())
def test_take_is_np_take_without_axis_and_its_gradient_scatter_adds(case):
    x, index = case
    t = Tensor(x, requires_grad=True)
    out = t.take(index)
    assert out.shape == index.shape
    np.testing.assert_array_equal(out.data, np.take(x, index))
    u = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(u)
    expected = np.zeros(x.size)
    np.add.at(expected, index.ravel() % x.size, u.ravel())
    np.testing.assert_allclose(t.grad, expected.reshape(x.shape), rtol=1e-12, atol=1e-12)
    if index.size:
        gradcheck(lambda v: v.take(index), [Tensor(x, requires_grad=True)])


def test_take_is_differentiable_twice():
    x = Tensor(np.array([[0.5, -1.0], [2.0, 1.5]]), requires_grad=True)
    gradgradcheck(lambda v: v.take(np.array([[3, -1], [0, 0]])) ** 3, [x])


@FAST
@given(take_cases())
def test_take_matches_torch(case):
    torch = _torch()
    from torch_reference import against_torch

    x, index = case
    against_torch(lambda t: t.take(Tensor(index)), lambda t: torch.take(t, torch.tensor(index)), [x])


def test_take_errors_name_the_op_the_size_and_the_fix():
    x = grid(2, 3)
    with pytest.raises(IndexError, match=r"take: index 6 is out of range for a tensor of 6 elements \(shape \(2, 3\)"):
        x.take([0, 6])
    with pytest.raises(IndexError, match=r"take: index -7 .* must be in \[-6, 5\]"):
        x.take([-7])
    with pytest.raises(TypeError, match=r"take: index must be an integer tensor .* float32; convert it"):
        x.take(Tensor([1.0]))
    with pytest.raises(IndexError, match="take: index 0 is out of range for a tensor of 0 elements"):
        Tensor(np.zeros((2, 0))).take([0])


# ---------------------------------------------------- max_pool2d(return_indices=True)
PLANE = np.array(
    [
        [1.0, 5.0, 2.0, 2.0],
        [3.0, 0.0, 2.0, 7.0],
        [9.0, 9.0, -1.0, 4.0],
        [8.0, 1.0, 4.0, 6.0],
    ]
)


def test_max_pool2d_indices_point_into_each_flattened_plane():
    x = Tensor(np.stack([PLANE, -PLANE])[None], requires_grad=True)  # (1, 2, 4, 4)
    values, indices = T.max_pool2d(x, 2, return_indices=True)
    assert values.data.tolist() == [[[[5.0, 7.0], [9.0, 6.0]], [[0.0, -2.0], [-1.0, 1.0]]]]
    # Ties go to the first maximum, row by row: the 9s at 8 and 9, and the other plane's three -2s at 2, 3, 6.
    assert indices.data.tolist() == [[[[1, 7], [8, 15]], [[5, 2], [13, 10]]]]
    assert indices.dtype == np.int64 and not indices.requires_grad
    values.sum().backward()
    winners = np.zeros(16)
    winners[[1, 7, 8, 15]] = 1.0
    np.testing.assert_array_equal(x.grad[0, 0].ravel(), winners)  # the gradient goes where the indices say


def test_max_pool2d_indices_with_padding_stride_dilation_and_unbatched_input():
    x = Tensor(PLANE[None])  # (C, H, W): no batch axis, as PyTorch allows
    values, indices = T.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    assert values.shape == indices.shape == (1, 2, 2)
    assert values.data.tolist() == [[[5.0, 7.0], [9.0, 9.0]]]
    assert indices.data.tolist() == [[[1, 7], [8, 9]]]  # the padding (-inf) never wins
    values, indices = T.max_pool2d(x, 2, stride=1, dilation=2, return_indices=True)
    assert values.data.tolist() == [[[9.0, 9.0], [8.0, 7.0]]]
    assert indices.data.tolist() == [[[8, 9], [12, 7]]]


def test_max_pool2d_with_indices_gives_the_same_values_and_gradient_as_without():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 6)), requires_grad=True)
    plain = T.max_pool2d(x, 3, 2, 1, ceil_mode=True)
    plain.backward(np.ones(plain.shape))
    expected = x.grad.copy()
    x.zero_grad()
    values, _ = T.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(values.data, plain.data)
    values.backward(np.ones(values.shape))
    np.testing.assert_array_equal(x.grad, expected)
    with no_grad():  # no node recorded: the indices are still there
        _, quiet = T.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(quiet.data, T.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[1].data)


@st.composite
def pool_cases(draw):
    """A small float64 (N, C, H, W) batch, values a gap apart (no ties), and a valid pool's arguments."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = draw(st.sampled_from([1, 2]))
    ceil_mode = draw(st.booleans())
    low = [dilation * (k - 1) + 1 - (2 * p if dilation == 1 else 0) for k, p in zip(kernel, padding)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *(draw(st.integers(max(1, lo), 5)) for lo in low))
    x = draw(mst.arrays(shape, min_gap=0.05), label="x")
    return x, (kernel, stride, padding, dilation, ceil_mode)


@settings(deadline=None, max_examples=40)
@given(pool_cases())
def test_max_pool2d_values_are_the_input_at_the_indices_and_the_gradient_goes_there(case):
    x, args = case
    t = Tensor(x, requires_grad=True)
    values, indices = T.max_pool2d(t, *args, return_indices=True)
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)
    assert indices.data.min() >= 0 and indices.data.max() < h * w
    picked = np.take_along_axis(flat, indices.data.reshape(n, c, -1), axis=2).reshape(values.shape)
    np.testing.assert_array_equal(values.data, picked)
    u = np.random.default_rng(2).standard_normal(values.shape)
    values.backward(u)
    expected = np.zeros((n, c, h * w))
    for i in range(n):
        for j in range(c):
            np.add.at(expected[i, j], indices.data[i, j].ravel(), u[i, j].ravel())
    np.testing.assert_allclose(t.grad, expected.reshape(x.shape), rtol=1e-12, atol=1e-12)
    gradcheck(lambda v: T.max_pool2d(v, *args, return_indices=True)[0], [Tensor(x, requires_grad=True)])


def test_max_pool2d_indices_match_torch_with_ties_nan_and_windows_of_minus_inf():
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    for trial in range(120):
        k, s, d = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        p, ceil_mode = int(rng.integers(0, k // 2 + 1)), bool(rng.integers(0, 2))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(3, 7)), int(rng.integers(3, 7)))
        if d * (k - 1) + 1 > min(shape[2:]) + 2 * p:
            continue  # a kernel larger than the padded input: tests/test_pool_ceil_output_size.py covers it
        x = rng.integers(-2, 3, shape).astype(np.float64)  # small ints: many ties
        if trial % 4 == 0:
            x[rng.random(shape) < 0.2] = np.nan
        if trial % 5 == 0:
            x[rng.random(shape) < 0.6] = -np.inf
        ref_values, ref_indices = F.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode, return_indices=True)
        values, indices = T.max_pool2d(Tensor(x), k, s, p, d, ceil_mode, return_indices=True)
        np.testing.assert_array_equal(values.data, ref_values.numpy())
        np.testing.assert_array_equal(indices.data, ref_indices.numpy(), err_msg=f"{shape} k{k} s{s} p{p} d{d}")


def test_nn_max_pool2d_returns_indices_when_asked():
    x = Tensor(PLANE[None, None], requires_grad=True)
    layer = nn.MaxPool2d(2, return_indices=True)
    values, indices = layer(x)
    assert values.data.ravel().tolist() == [5.0, 7.0, 9.0, 6.0]
    assert indices.data.ravel().tolist() == [1, 7, 8, 15]
    assert repr(layer) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"  # as torch's
    assert isinstance(nn.MaxPool2d(2)(x), Tensor)
    with pytest.raises(TypeError, match="MaxPool2d: return_indices must be True or False"):
        nn.MaxPool2d(2, return_indices="yes")


def test_nn_max_pool2d_with_indices_matches_torch():
    torch = _torch()
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 5))
    ref_values, ref_indices = torch.nn.MaxPool2d(3, 2, 1, return_indices=True, ceil_mode=True)(torch.tensor(x))
    values, indices = nn.MaxPool2d(3, 2, 1, ceil_mode=True, return_indices=True)(Tensor(x))
    np.testing.assert_array_equal(values.data, ref_values.numpy())
    np.testing.assert_array_equal(indices.data, ref_indices.numpy())
