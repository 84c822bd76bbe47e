"""Shape and indexing ops (tensor/indexing.py) and NumPy indexing of Tensors (primitives.index_key).

Indexing is checked against NumPy's own fancy-index semantics (forward: x[key]; gradient: np.add.at, so
repeated picks add up), with keys drawn by hypothesis, nested tuples included (x[((0, 0),)], X[(0, 0), :]).
Every op with a gradient is checked by gradcheck (float64) and against PyTorch (values and gradients for a
random upstream gradient); ops without one return tensors that do not require grad.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch_reference import against_torch, leaf

from microgradnn import Tensor, gradcheck
from microgradnn.gradcheck import gradgradcheck
from microgradnn.tensor import cat, meshgrid, unbind
from microgradnn.testing import strategies as mst

torch = pytest.importorskip("torch")
F = torch.nn.functional

FAST = settings(deadline=None, max_examples=25)
SHAPES = mst.shapes(min_dims=1, max_dims=3, max_side=4)


# ------------------------------------------------------------ NumPy indexing
@st.composite
def fancy_keys(draw, shape):
    """Index keys NumPy accepts: ints, slices, lists and nested tuples of ints (repeats included), masks."""
    n_parts = draw(st.integers(1, len(shape)), label="parts")
    length = draw(st.integers(1, 4), label="length")  # advanced parts share one length (or 1) to broadcast
    parts = []
    for axis in range(n_parts):
        side = shape[axis]
        kind = draw(st.sampled_from(["int", "slice", "tuple", "list", "array", "mask", "tensor"]), label="kind")
        if kind == "int":
            parts.append(draw(st.integers(-side, side - 1)))
        elif kind == "slice":
            parts.append(
                slice(draw(st.integers(-side, side)), draw(st.integers(-side, side)), draw(st.sampled_from([1, 2, -1])))
            )
        elif kind == "mask" and n_parts == 1:
            parts.append(np.array(draw(st.lists(st.booleans(), min_size=side, max_size=side))))
        else:
            size = draw(st.sampled_from([1, length]))
            picks = draw(st.lists(st.integers(-side, side - 1), min_size=size, max_size=size))
            parts.append(
                tuple(picks)
                if kind in ("tuple", "mask")
                else picks
                if kind == "list"
                else np.array(picks)
                if kind == "array"
                else Tensor(np.array(picks))
            )
    if n_parts == 1 and type(parts[0]) is not tuple and draw(st.booleans(), label="bare"):
        return parts[0]  # x[key] rather than x[(key,)] (a bare tuple would index several axes)
    return tuple(parts)


def _numpy_key(key):
    """The same key for NumPy: Tensors as their arrays (NumPy itself turns nested tuples into index arrays)."""
    if type(key) is tuple:
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    return key.data if isinstance(key, Tensor) else key


@FAST
@given(st.data())
@example(None)
def test_indexing_follows_numpy_and_repeated_picks_add_their_gradients(data):
    if data is None:  # the case of issue 15: a tuple nested in the key
        x, key = np.arange(3.0), ((0, 0),)
    else:
        shape = data.draw(SHAPES, label="shape")
        x = data.draw(mst.arrays(shape), label="x")
        key = data.draw(fancy_keys(shape), label="key")
    np_key = _numpy_key(key)
    expected = x[np_key]
    t = leaf(x)
    out = t[key]
    np.testing.assert_array_equal(out.data, expected)
    u = np.random.default_rng(1).standard_normal(expected.shape)
    out.backward(u)
    want = np.zeros(x.shape)
    np.add.at(want, np_key, u)
    np.testing.assert_allclose(t.grad, want)


def test_nested_tuple_keys_of_issue_15():
    x = leaf([1.0, 2.0, 3.0])
    x[((0, 0),)].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 0.0])
    X = leaf(np.arange(6.0).reshape(3, 2))
    X[(0, 0), :].sum().backward()
    np.testing.assert_array_equal(X.grad, [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    Y = leaf(np.arange(6.0).reshape(3, 2))
    gradcheck(lambda y: y[(0, 2, 0), (1, 1, 1)], [Y])
    assert Y[[]].shape == (0, 2)  # an empty list picks nothing, as in NumPy


def test_bad_index_keys_say_what_is_wrong():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="index list must hold ints or bools, got float64"):
        x[[0.5, 1.0]]
    with pytest.raises(IndexError, match="ragged"):
        x[[[0, 1], [0]]]
    with pytest.raises(IndexError, match=r"Tensor indexing: .*shape \(3,\)"):
        x[[0, 5]]


# ------------------------------------------------------------------ padding
@settings(deadline=None, max_examples=15)
@given(st.data())
def test_constant_pad_matches_torch_also_when_cropping(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=4)), label="x")
    k = data.draw(st.integers(1, x.ndim), label="padded axes")
    pads = []
    for axis in range(k):
        side = x.shape[x.ndim - 1 - axis]
        pads += [data.draw(st.integers(-(side // 2), 2)), data.draw(st.integers(-(side // 2), 2))]
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    gradcheck(lambda t: t.pad(pads, value=value), [leaf(x)])
    against_torch(lambda t: t.pad(pads, value=value), lambda t: F.pad(t, pads, value=value), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@settings(deadline=None, max_examples=10)
@given(data=st.data())
def test_reflect_replicate_circular_pad_match_torch(mode, data):
    shape = data.draw(mst.shapes(min_dims=3, max_dims=3, min_side=2, max_side=3), label="shape")
    x = data.draw(mst.arrays(shape), label="x")
    limit = (lambda n: n - 1) if mode == "reflect" else (lambda n: n)
    pads = [data.draw(st.integers(0, limit(shape[-1]))) for _ in range(2)]
    pads += [data.draw(st.integers(0, limit(shape[-2]))) for _ in range(2)]
    gradcheck(lambda t: t.pad(pads, mode=mode), [leaf(x)])  # the copies add their gradients back
    against_torch(lambda t: t.pad(pads, mode=mode), lambda t: F.pad(t, pads, mode=mode), [x])


def test_pad_numpy_spelling_second_order_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(leaf(x).pad(((1, 0), (0, 2))).data, np.pad(x, ((1, 0), (0, 2))))
    np.testing.assert_array_equal(
        leaf(x).pad(((1, 1), (2, 0)), mode="reflect").data, np.pad(x, ((1, 1), (2, 0)), "reflect")
    )
    gradgradcheck(lambda t: t.pad((1, -1)) * t.pad((1, -1)), [leaf(x)])
    with pytest.raises(ValueError, match=r"pad: reflect padding \(3, 0\) on axis 1 must be smaller than its size 3"):
        leaf(x).pad((3, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: PyTorch-style padding .* even length"):
        leaf(x).pad((1, 2, 3))
    with pytest.raises(ValueError, match="pad: mode must be"):
        leaf(x).pad((1, 1), mode="wrap")
    with pytest.raises(ValueError, match="non-negative pads"):
        leaf(x).pad((-1, 1), mode="replicate")


# ----------------------------------------------------- arrangement and copies
def _mask(shape):
    """A fixed mask (not from the data: finite differences must not move it)."""
    return np.arange(int(np.prod(shape))).reshape(shape) % 3 == 1


def _tmask(shape):
    return torch.tensor(_mask(tuple(shape)))


ARRANGE = {
    "repeat": (lambda t: t.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3)),
    "flip": (lambda t: t.flip(0, -1), lambda t: t.flip(0, -1)),
    "flip all": (lambda t: t.flip(), lambda t: t.flip(tuple(range(t.ndim)))),
    "roll": (lambda t: t.roll((1, -3), (0, 1)), lambda t: t.roll((1, -3), (0, 1))),
    "roll flat": (lambda t: t.roll(2), lambda t: t.roll(2)),
    "tril": (lambda t: t.tril(), lambda t: t.tril()),
    "triu -1": (lambda t: t.triu(-1), lambda t: t.triu(-1)),
    "tril 1": (lambda t: t.tril(1), lambda t: t.tril(1)),
    "diagonal": (lambda t: t.diagonal(), lambda t: t.diagonal()),
    "diagonal 1": (lambda t: t.diagonal(1), lambda t: t.diagonal(1)),
    "diagonal -1 dims": (lambda t: t.diagonal(-1, 1, 0), lambda t: t.diagonal(-1, 1, 0)),
    "diag of 2-d": (lambda t: t.reshape(t.shape[0], -1).diag(1), lambda t: t.reshape(t.shape[0], -1).diag(1)),
    "diag of 1-d": (lambda t: t.reshape(-1).diag(-1), lambda t: t.reshape(-1).diag(-1)),
    "repeat_interleave": (lambda t: t.repeat_interleave(2, 1), lambda t: t.repeat_interleave(2, 1)),
    "repeat_interleave list": (
        lambda t: t.repeat_interleave(Tensor(np.arange(t.shape[0])), 0),
        lambda t: t.repeat_interleave(torch.arange(t.shape[0]), 0),
    ),
    "repeat_interleave flat": (lambda t: t.repeat_interleave(3), lambda t: t.repeat_interleave(3)),
    "unflatten": (lambda t: t.unflatten(1, (1, -1)), lambda t: t.unflatten(1, (1, -1))),
    "masked_fill": (lambda t: t.masked_fill(_mask(t.shape), 2.0), lambda t: t.masked_fill(_tmask(t.shape), 2.0)),
    "masked_select": (lambda t: t.masked_select(_mask(t.shape)), lambda t: t.masked_select(_tmask(t.shape))),
    "masked_select broadcast": (
        lambda t: t.masked_select(np.array([True, False] * 5)[: t.shape[-1]]),
        lambda t: t.masked_select(torch.tensor([True, False] * 5)[: t.shape[-1]]),
    ),
}


@pytest.mark.parametrize("op", sorted(ARRANGE))
@settings(deadline=None, max_examples=6)
@given(data=st.data())
def test_arranging_ops_match_finite_differences_and_torch(op, data):
    ours, theirs = ARRANGE[op]
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, max_side=3), label="shape")
    x = data.draw(st.one_of(mst.arrays(shape), mst.non_contiguous_arrays(shape)), label="x")
    gradcheck(ours, [leaf(x)])
    against_torch(ours, theirs, [x])


def test_split_and_chunk_match_torch_piece_by_piece():
    x = np.arange(30.0).reshape(3, 10) / 7
    for ours, theirs in (
        (lambda t: t.split(3, 1), lambda t: t.split(3, 1)),
        (lambda t: t.split([2, 0, 8], 1), lambda t: t.split([2, 0, 8], 1)),
        (lambda t: t.chunk(4, 1), lambda t: t.chunk(4, 1)),
        (lambda t: t.chunk(2, 0), lambda t: t.chunk(2, 0)),
        (lambda t: t.chunk(6, -1), lambda t: t.chunk(6, -1)),
    ):
        pieces, ref = ours(leaf(x)), theirs(torch.tensor(x))
        assert [p.shape for p in pieces] == [tuple(r.shape) for r in ref]
        for i in range(len(ref)):
            against_torch(lambda t, i=i, f=ours: f(t)[i] * 2, lambda t, i=i, f=theirs: f(t)[i] * 2, [x])
    with pytest.raises(ValueError, match="split: sections \\[2, 3\\] must be >= 0 and sum to 10"):
        leaf(x).split([2, 3], 1)
    with pytest.raises(ValueError, match="chunk: chunks must be positive"):
        leaf(x).chunk(0)


def test_unbind_matches_finite_differences_and_torch_slice_by_slice():
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    for dim in (0, 1, 2, -1):
        pieces, ref = leaf(x).unbind(dim), torch.tensor(x).unbind(dim)
        assert [p.shape for p in pieces] == [tuple(r.shape) for r in ref]
        for i in range(len(ref)):
            gradcheck(lambda t, i=i, d=dim: t.unbind(d)[i] * 2, [leaf(x)])
            against_torch(lambda t, i=i, d=dim: unbind(t, d)[i] * 2, lambda t, i=i, d=dim: t.unbind(d)[i] * 2, [x])
    # makemore's cat(unbind(emb, 1), 1) is emb.view(n, -1), values and gradient: every slice used once
    against_torch(lambda t: cat(unbind(t, 1), 1) ** 2, lambda t: torch.cat(torch.unbind(t, 1), 1) ** 2, [x])
    assert leaf(np.zeros((2, 0))).unbind(1) == ()
    with pytest.raises(ValueError, match="unbind: a 0-d tensor has no axis"):
        leaf(1.0).unbind()
    with pytest.raises(ValueError, match="unbind"):
        leaf(x).unbind(3)


def test_meshgrid_matches_torch_in_both_indexings():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]), np.array([0.5, 1.5, 2.5, 3.5])
    for indexing in ("ij", "xy"):
        for k in (2, 3):
            for i in range(k):
                against_torch(
                    lambda *ts, i=i, ix=indexing: meshgrid(*ts, indexing=ix)[i] * 1.5,
                    lambda *ts, i=i, ix=indexing: torch.meshgrid(*ts, indexing=ix)[i] * 1.5,
                    [a, b, c][:k],
                )


def test_tile_is_numpys():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(leaf(x).tile(2).data, np.tile(x, 2))
    np.testing.assert_array_equal(leaf(x).tile((2, 1, 2)).data, np.tile(x, (2, 1, 2)))


# ---------------------------------------------------------------- no gradient
def test_nonzero_and_one_hot_match_torch_without_gradient():
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    out = leaf(x).nonzero()
    np.testing.assert_array_equal(out.data, torch.tensor(x).nonzero().numpy())
    assert out.dtype == np.int64 and not out.requires_grad
    for ours, ref in zip(leaf(x).nonzero(as_tuple=True), torch.tensor(x).nonzero(as_tuple=True)):
        np.testing.assert_array_equal(ours.data, ref.numpy())
    labels = np.array([[0, 2], [1, 1]])
    for n in (-1, 4):
        got = Tensor(labels).one_hot(n)
        np.testing.assert_array_equal(got.data, F.one_hot(torch.tensor(labels), n).numpy())
        assert got.dtype == np.int64
    with pytest.raises(TypeError, match="one_hot: the class indices must be an integer tensor"):
        leaf([0.0, 1.0]).one_hot(2)
    with pytest.raises(ValueError, match="one_hot: class index 2 is out of range for num_classes=2"):
        Tensor([0, 2]).one_hot(2)
    with pytest.raises(ValueError, match="one_hot: class indices must be >= 0"):
        Tensor([0, -1]).one_hot(2)


# ------------------------------------------------------------ gather, scatter
@st.composite
def gather_case(draw):
    shape = draw(mst.shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    x = draw(mst.arrays(shape), label="x")
    axis = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    a = axis % len(shape)
    idx_shape = tuple(draw(st.integers(1, 4)) if d == a else draw(st.integers(1, n)) for d, n in enumerate(shape))
    index = draw(mst.hnp.arrays(np.int64, idx_shape, elements=st.integers(0, shape[a] - 1)), label="index")
    return x, axis, index


@FAST
@given(gather_case())
def test_gather_with_repeated_indices_matches_torch(case):
    x, axis, index = case
    gradcheck(lambda t: t.gather(axis, index), [leaf(x)])
    against_torch(lambda t: t.gather(axis, Tensor(index)), lambda t: t.gather(axis, torch.tensor(index)), [x])


@FAST
@given(gather_case(), st.booleans())
def test_scatter_matches_torch_with_unique_targets(case, from_value):
    x, axis, index = case
    a = axis % x.ndim
    # unique targets along the axis (PyTorch leaves the winner of duplicates unspecified)
    n = x.shape[a]
    k = min(index.shape[a], n)
    index = np.take(
        np.argsort(np.random.default_rng(0).random((*index.shape[:a], n, *index.shape[a + 1 :])), axis=a),
        np.arange(k),
        axis=a,
    )
    src = np.random.default_rng(2).standard_normal(index.shape)
    if from_value:
        against_torch(lambda t: t.scatter(axis, index, 0.5), lambda t: t.scatter(axis, torch.tensor(index), 0.5), [x])
        return
    gradcheck(lambda t, s: t.scatter(axis, index, s), [leaf(x), leaf(src)])
    against_torch(
        lambda t, s: t.scatter(axis, index, s), lambda t, s: t.scatter(axis, torch.tensor(index), s), [x, src]
    )


def test_scatter_with_duplicate_targets_gives_the_gradient_to_the_element_that_stays():
    x, src = leaf(np.zeros(3)), leaf([1.0, 2.0, 3.0])
    out = x.scatter(0, np.array([1, 1, 0]), src)
    assert out.data.tolist() == [3.0, 2.0, 0.0]  # NumPy's rule: the last write wins
    out.backward(np.array([1.0, 10.0, 100.0]))
    assert src.grad.tolist() == [0.0, 10.0, 1.0] and x.grad.tolist() == [0.0, 0.0, 100.0]


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@settings(deadline=None, max_examples=8)
@given(case=gather_case())
def test_scatter_reduce_matches_torch(reduce, include_self, case):
    x, axis, index = case
    src = np.random.default_rng(3).standard_normal(index.shape)
    # amax/amin: distinct values (no ties, where finite differences see a kink); others: some exact zeros (prod)
    src = src + np.arange(src.size).reshape(src.shape) * 10.0 if reduce in ("amax", "amin") else np.round(src, 1)
    fn = lambda t, s: t.scatter_reduce(axis, index, s, reduce, include_self=include_self)  # noqa: E731
    if reduce not in ("amax", "amin") or not np.isin(x, src).any():
        gradcheck(fn, [leaf(x), leaf(src)])
    against_torch(
        fn, lambda t, s: t.scatter_reduce(axis, torch.tensor(index), s, reduce, include_self=include_self), [x, src]
    )


def test_scatter_reduce_ties_prod_zeros_and_second_order():
    x = np.array([1.0, 2.0, 0.0, 4.0])
    index = np.array([0, 0, 1, 2, 2, 2])
    src = np.array([1.0, 0.5, 0.0, 4.0, 4.0, 3.0])  # ties with x[0] and within target 2; zeros at target 1 and 2
    for reduce in ("amax", "amin", "prod", "mean", "sum"):
        for include_self in (True, False):
            if reduce in ("amax", "amin") and not include_self:
                continue  # PyTorch counts x's element as a tie even when it is left out (below)
            against_torch(
                lambda t, s, r=reduce, inc=include_self: t.scatter_reduce(0, index, s, r, include_self=inc),
                lambda t, s, r=reduce, inc=include_self: t.scatter_reduce(
                    0, torch.tensor(index), s, r, include_self=inc
                ),
                [x, src],
            )
    # include_self=False: x[0] takes no part, so src[0] = 1.0 alone is the maximum of target 0 and gets all of
    # the gradient (PyTorch 2.x gives it half, sharing with the left-out x[0] = 1.0).
    s = leaf(src)
    leaf(x).scatter_reduce(0, index, s, "amax", include_self=False).backward(np.ones(4))
    assert s.grad.tolist() == [1.0, 0.0, 1.0, 0.5, 0.5, 0.0]
    gradcheck(lambda t: leaf(x).scatter_reduce(0, index, t, "amax", include_self=False)[:2], [leaf(src)])
    for reduce in ("prod", "mean", "sum", "amax"):
        gradgradcheck(
            lambda t, s, r=reduce: t.scatter_reduce(0, index, s, r),
            [leaf([1.0, 2.0, 0.5, 4.0]), leaf([1.5, 0.7, 0.0, 4.5, 3.0, 2.0])],
        )
    gradgradcheck(lambda t: t.gather(0, index) * t.gather(0, index), [leaf(x)])


def test_gather_scatter_errors_name_the_op_and_shapes():
    x = leaf(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"gather: index 3 is out of range for axis 1 of size 3 \(shape \(2, 3\)\)"):
        x.gather(1, np.array([[0, 3]]))
    with pytest.raises(TypeError, match="gather: index must be an integer tensor"):
        x.gather(1, np.array([[0.0]]))
    with pytest.raises(ValueError, match=r"gather: index must have as many axes as the tensor: index \(2,\)"):
        x.gather(0, np.array([0, 1]))
    with pytest.raises(ValueError, match="scatter_reduce: reduce must be one of"):
        x.scatter_reduce(0, np.array([[0]]), leaf([[1.0]]), "max")
    with pytest.raises(TypeError, match="masked_fill: the mask must be boolean"):
        x.masked_fill(np.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match=r"masked_fill: a mask of shape \(4,\) does not broadcast"):
        x.masked_fill(np.zeros(4, bool), 1.0)
    with pytest.raises(ValueError, match=r"tril: needs a tensor with at least 2 axes, got shape \(3,\)"):
        leaf([1.0, 2.0, 3.0]).tril()
    with pytest.raises(ValueError, match="repeat: 1 repeat counts for a tensor with 2 axes"):
        x.repeat(2)


def test_tinygrad_and_older_pytorch_spellings():
    x = np.arange(6.0).reshape(2, 3) / 4
    # tinygrad's pad writes None for an axis left alone
    np.testing.assert_array_equal(leaf(x).pad((None, (1, 2))).data, np.pad(x, ((0, 0), (1, 2))))
    # scatter(..., reduce="add" / "multiply"), PyTorch's older spelling of scatter_reduce
    index = np.array([[0, 0, 1], [1, 0, 1]])
    src = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch deprecates this spelling
        for reduce in ("add", "multiply"):  # PyTorch has no gradient for it: finite differences judge ours
            ref = torch.tensor(x).scatter(0, torch.tensor(index), torch.tensor(src), reduce=reduce)
            np.testing.assert_allclose(leaf(x).scatter(0, index, leaf(src), reduce=reduce).data, ref.numpy())
            gradcheck(lambda t, s, r=reduce: t.scatter(0, index, s, reduce=r), [leaf(x), leaf(src)])
            ref = torch.tensor(x).scatter(0, torch.tensor(index), 1.5, reduce=reduce)
            np.testing.assert_allclose(leaf(x).scatter(0, index, 1.5, reduce=reduce).data, ref.numpy())
    with pytest.raises(ValueError, match="scatter: reduce must be 'add' or 'multiply'"):
        leaf(x).scatter(0, index, leaf(src), reduce="mean")
    values = leaf(x).cummax(axis=1).values
    np.testing.assert_array_equal(values.data, np.maximum.accumulate(x, axis=1))


EMPTY = {
    "pad": (lambda t: t.pad((1, 1)), lambda t: F.pad(t, (1, 1))),
    "flip": (lambda t: t.flip(1), lambda t: t.flip(1)),
    "roll": (lambda t: t.roll(1, 1), lambda t: t.roll(1, 1)),
    "repeat": (lambda t: t.repeat(2, 3), lambda t: t.repeat(2, 3)),
    "tril": (lambda t: t.tril(), lambda t: t.tril()),
    "diagonal": (lambda t: t.diagonal(), lambda t: t.diagonal()),
    "gather": (
        lambda t: t.gather(1, np.zeros((2, 0), int)),
        lambda t: t.gather(1, torch.zeros((2, 0), dtype=torch.long)),
    ),
    "split": (lambda t: t.split(1, 0)[0], lambda t: t.split(1, 0)[0]),
    "chunk": (lambda t: t.chunk(2, 1)[0], lambda t: t.chunk(2, 1)[0]),
    "masked_select": (
        lambda t: t.masked_select(np.zeros((2, 0), bool)),
        lambda t: t.masked_select(torch.zeros((2, 0), dtype=torch.bool)),
    ),
    "repeat_interleave": (lambda t: t.repeat_interleave(2, 1), lambda t: t.repeat_interleave(2, 1)),
}


@pytest.mark.parametrize("op", sorted(EMPTY))
def test_empty_tensors_keep_torchs_shapes_and_backprop(op):
    ours, theirs = EMPTY[op]
    t = leaf(np.zeros((2, 0)))
    out = ours(t)
    assert out.shape == tuple(theirs(torch.zeros((2, 0), dtype=torch.float64)).shape)
    np.testing.assert_array_equal(out.data, theirs(torch.zeros((2, 0), dtype=torch.float64)).numpy())
    out.sum().backward()
    assert t.grad.shape == (2, 0)
