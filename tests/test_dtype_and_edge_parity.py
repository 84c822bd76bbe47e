"""Dtypes and edge cases where microgradnn follows PyTorch: each case found by comparing the two, pinned here."""

import functools

import numpy as np
import pytest
from torch_reference import against_torch as _against_torch
from torch_reference import leaf

from microgradnn import Tensor, gradcheck
from microgradnn import tensor as T
from microgradnn.gradcheck import gradgradcheck

torch = pytest.importorskip("torch")

against_torch = functools.partial(_against_torch, flush_subnormals=False, missing_grad_is_zero=False)


# ------------------------------------------------------------------ einsum: a letter of size 1 broadcast
@pytest.mark.parametrize(
    ("spec", "shapes"),
    [
        ("ij,j->i", [(2, 3), (1,)]),
        ("ij,j->i", [(2, 1), (3,)]),
        ("ij,jk->ik", [(2, 1), (3, 4)]),
        ("ij,jk->ik", [(2, 3), (1, 4)]),
        ("i,i->", [(1,), (3,)]),
        ("i,i->", [(3,), (1,)]),
        ("i,i->i", [(1,), (3,)]),
        ("ij,jk,k->i", [(2, 1), (3, 4), (1,)]),
    ],
)
def test_einsum_broadcasts_a_size_1_letter_in_both_directions(spec, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    against_torch(lambda *ts: T.einsum(spec, *ts), lambda *ts: torch.einsum(spec, *ts), arrays)
    gradcheck(lambda *ts: T.einsum(spec, *ts), [leaf(a) for a in arrays])
    gradgradcheck(lambda *ts: T.einsum(spec, *ts) ** 2, [leaf(a) for a in arrays])


def test_einsum_size_1_letter_pinned_values():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.array([2.0]), requires_grad=True)
    T.einsum("ij,j->i", a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(b.grad, [6.0])


def test_einsum_second_order_still_works():
    a, b = leaf(np.arange(6.0).reshape(2, 3) / 5), leaf(np.arange(12.0).reshape(3, 4) / 7 - 0.5)
    gradgradcheck(lambda x, y: T.einsum("ij,jk->ik", x, y) ** 2, [a, b])
    # second order by hand, against torch: d/dx of sum(d(sum(einsum^2))/dx)
    x, y = leaf(np.ones((2, 3)) * 0.5), leaf(np.array([2.0]))
    tx, ty = (torch.tensor(t.data, requires_grad=True) for t in (x, y))
    (T.einsum("ij,j->i", x, y) ** 2).sum().backward(create_graph=True)
    gx, gy = torch.autograd.grad((torch.einsum("ij,j->i", tx, ty) ** 2).sum(), (tx, ty), create_graph=True)
    np.testing.assert_allclose(x.grad.data, gx.detach().numpy())
    np.testing.assert_allclose(y.grad.data, gy.detach().numpy())
    second = x.grad.sum() + y.grad.sum()
    x.grad = y.grad = None
    second.backward()
    sx, sy = torch.autograd.grad(gx.sum() + gy.sum(), (tx, ty))
    np.testing.assert_allclose(x.grad, sx.numpy())
    np.testing.assert_allclose(y.grad, sy.numpy())


# ------------------------------------------------------------------ where with two numbers: PyTorch's scalar rule
C = np.array([True, False])


@pytest.mark.parametrize(("a", "b"), [(1, 0), (True, False), (1.0, 0), (True, 3), (1.5, True), (-2, 0.5)], ids=repr)
def test_where_of_two_numbers_has_pytorchs_dtype(a, b):
    ours, theirs = T.where(C, a, b), torch.where(torch.tensor(C), a, b)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_where_and_maximum_of_floats_follow_the_default_dtype():
    T.set_default_dtype(np.float64)
    try:
        assert T.where(C, 1.0, 0.0).dtype == np.float64
        assert T.maximum(1.0, 0.5).dtype == np.float64
    finally:
        T.set_default_dtype(np.float32)
    assert T.where(C, 1.0, 0.0).dtype == np.float32
    # beside a Tensor or an array a number still takes its dtype
    assert T.where(C, Tensor(np.ones(2, np.float16)), 1).dtype == np.float16
    assert T.where(C, np.array([1, 2], np.int32), 1).dtype == np.int32
    assert T.where(C, Tensor([1, 2]), 1.5).dtype == np.float32


# ------------------------------------------------------------------ cat / stack: an int meets a float in its dtype
@pytest.mark.parametrize("join", ["cat", "stack"])
@pytest.mark.parametrize(
    ("first", "second"), [(np.float32, np.int64), (np.float16, np.int64), (np.int32, np.float16), (np.float32, bool)]
)
def test_cat_and_stack_promote_as_addition_does(join, first, second):
    a, b = np.ones(2, first), np.array([1, 0]).astype(second)
    ours = getattr(T, join)([Tensor(a), Tensor(b)])
    theirs = getattr(torch, join)([torch.tensor(a), torch.tensor(b)])
    assert ours.dtype == (Tensor(a) + Tensor(b)).dtype
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_cat_promotion_pinned_and_the_gradient_reaches_the_float_part():
    f = Tensor(np.ones(2, np.float32), requires_grad=True)
    out = T.cat([f, Tensor([1, 2])])
    assert out.dtype == np.float32
    out.sum().backward()
    np.testing.assert_array_equal(f.grad, [1.0, 1.0])
    assert T.einsum("i,i->", Tensor([1, 2]), Tensor(np.ones(2, np.float32))).dtype == np.float32


# ------------------------------------------------------------------ clamp keeps a float tensor's dtype
@pytest.mark.parametrize(
    ("data", "low", "high"),
    [
        (np.array([0.2, 0.7], np.float32), np.float64(0.5), None),
        (np.array([0.2, 0.7], np.float16), np.float32(0.5), None),
        (np.array([0.2, 0.7], np.float16), None, 0.5),
        (np.array([0, 1, 3]), 0.5, 2.5),
        (np.array([0, 1, 3]), 0, 2),
        (np.array([0, 1, 3], np.int8), 0, 2),
        (np.array([0, 1, 3]), None, 1.5),
    ],
)
def test_clamp_dtype_is_pytorchs(data, low, high):
    ours = Tensor(data).clamp(low, high)
    theirs = torch.tensor(data).clamp(low, high)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert Tensor(data).clip(low, high).dtype == ours.dtype


# ------------------------------------------------------------------ division
@pytest.mark.parametrize(
    ("a", "b"),
    [(np.int64, np.float16), (np.float16, np.int64), (np.int32, np.float64), (bool, np.float16), (np.int64, np.int64)],
)
def test_int_divided_by_float_is_in_the_floats_dtype(a, b):
    x, y = np.array([1, 2]).astype(a), np.array([2, 4]).astype(b)
    ours, theirs = Tensor(x) / Tensor(y), torch.tensor(x) / torch.tensor(y)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.data, theirs.numpy())


def test_a_negative_number_divided_by_a_uint8_tensor():
    u = np.array([1, 2], np.uint8)
    for ours, theirs in [
        (-1 / Tensor(u), -1 / torch.tensor(u)),
        (Tensor(u) / -1, torch.tensor(u) / -1),
        (Tensor(u) / 300, torch.tensor(u) / 300),
        (-1.5 / Tensor(u), -1.5 / torch.tensor(u)),
    ]:
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.data, theirs.numpy())
    np.testing.assert_array_equal((-1 / Tensor(u)).data, [-1.0, -0.5])
    with pytest.raises(OverflowError, match="does not fit"):  # deliberate: the result would be a uint8
        Tensor(u) + -1


# ------------------------------------------------------------------ argmax / argmin of an empty tensor
@pytest.mark.parametrize("op", ["argmax", "argmin", "max", "min", "amax", "amin"])
def test_reducing_a_non_empty_axis_of_an_empty_tensor(op):
    x = np.zeros((2, 0, 3))
    for dim in (0, 2, -1):
        ours = getattr(Tensor(x), op)(dim=dim)
        theirs = getattr(torch.tensor(x), op)(dim=dim)
        theirs = theirs[0] if isinstance(theirs, tuple) else theirs  # max(dim=): values and indices
        assert ours.shape == tuple(theirs.shape)
    assert getattr(Tensor(x), op)(dim=0, keepdim=True).shape == (1, 0, 3)
    with pytest.raises(ValueError, match="axis 1"):
        getattr(Tensor(x), op)(dim=1)
    if op.startswith("arg"):
        with pytest.raises(ValueError, match="empty"):
            getattr(Tensor(x), op)()


# ------------------------------------------------------------------ split / chunk of an empty axis
@pytest.mark.parametrize(
    ("how", "arg", "dim"),
    [
        ("split", 2, 0),
        ("split", 1, 0),
        ("split", 0, 0),
        ("chunk", 2, 0),
        ("chunk", 1, 0),
        ("chunk", 3, 0),
        ("split", 2, 1),
        ("chunk", 2, 1),
        ("split", [0, 0], 0),
    ],
)
def test_split_and_chunk_of_an_empty_axis(how, arg, dim):
    x = np.zeros((0, 3))
    ours = getattr(Tensor(x), how)(arg, dim)
    theirs = getattr(torch.tensor(x), how)(arg, dim)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


# ------------------------------------------------------------------ setitem into an int tensor
@pytest.mark.parametrize(
    ("dtype", "value"),
    [(np.int8, 300), (np.int8, -129), (np.int64, float("nan")), (np.int64, float("inf")), (np.int8, [5, 400])],
    ids=lambda v: getattr(v, "__name__", repr(v)),
)
def test_setitem_refuses_a_value_the_int_dtype_cannot_hold(dtype, value):
    t = Tensor(np.array([1, 2], dtype))
    key = slice(None) if isinstance(value, list) else 0
    with pytest.raises(
        ValueError, match=rf"t\[key\] = value: the value .* does not fit in the tensor's dtype {dtype.__name__}"
    ):
        t[key] = value
    np.testing.assert_array_equal(t.data, [1, 2])  # nothing written
    tt = torch.tensor([1, 2], dtype=getattr(torch, dtype.__name__))
    with pytest.raises(RuntimeError):  # PyTorch refuses these too
        tt[key] = value if not isinstance(value, list) else torch.tensor(value).max().item()


def test_setitem_error_names_the_fix_and_truncates_floats_that_fit():
    t = Tensor([1, 2])
    with pytest.raises(ValueError, match=r"nan .* int64 .* t = t\.float\(\)"):
        t[0] = float("nan")
    s = Tensor(np.array([1, 2], np.int8))
    with pytest.raises(ValueError, match=r"300 .* int8 .* t = t\.astype\(np\.int64\)"):
        s[0] = 300
    s[0] = 2.7  # truncated, as PyTorch
    tt = torch.tensor([1, 2], dtype=torch.int8)
    tt[0] = 2.7
    np.testing.assert_array_equal(s.data, tt.numpy())


def test_setitem_takes_a_one_element_value_for_one_element():
    t, tt = Tensor(np.zeros(3)), torch.zeros(3, dtype=torch.float64)
    t[0] = Tensor(np.array([5.0]))
    tt[0] = torch.tensor([5.0])
    t[1] = np.array([[6.0]])
    tt[1] = torch.tensor([[6.0]])
    np.testing.assert_array_equal(t.data, tt.numpy())
    assert t.version == 2
    with pytest.raises(ValueError, match=r"shape \(2,\) does not broadcast to the shape \(\)"):
        t[0] = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) does not broadcast to the shape \(2,\)"):
        t[0:2] = np.ones(3)
    np.testing.assert_array_equal(t.data, [5.0, 6.0, 0.0])


# ------------------------------------------------------------------ sign of a bool tensor
def test_sign_of_a_bool_tensor_is_itself():
    b = np.array([True, False])
    ours, theirs = Tensor(b).sign(), torch.tensor(b).sign()
    assert ours.dtype == bool
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert T.sign(Tensor(b)).dtype == bool


# ------------------------------------------------------------------ in-place float into an int tensor
@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("add_", (0.5,)),
        ("sub_", (0.5,)),
        ("mul_", (0.5,)),
        ("div_", (2,)),
        ("add_", (Tensor([0.5, 1.0]),)),
        ("mul_", (np.array([0.5, 1.0]),)),
    ],
    ids=lambda v: repr(v) if not isinstance(v, tuple) else None,
)
def test_in_place_float_into_an_int_tensor_is_refused_clearly(op, args):
    t = Tensor([1, 2])
    with pytest.raises(
        TypeError, match=rf"Tensor {op}: .* the result is a float, which this int64 tensor .*t = t\.float\(\)"
    ):
        getattr(t, op)(*args)
    np.testing.assert_array_equal(t.data, [1, 2])
    assert t.version == 0
    torch_args = [
        torch.tensor(a.data) if isinstance(a, Tensor) else torch.tensor(a) if isinstance(a, np.ndarray) else a
        for a in args
    ]
    with pytest.raises(RuntimeError, match="can't be cast"):  # PyTorch refuses them too
        getattr(torch.tensor([1, 2]), op)(*torch_args)


def test_in_place_int_ops_that_fit_still_work():
    t = Tensor([1, 2])
    t.add_(3).mul_(2).sub_(Tensor(np.array([1], np.int32)))
    np.testing.assert_array_equal(t.data, [7, 9])
    with pytest.raises(OverflowError, match=r"Tensor add_: the number 300 does not fit in the tensor's dtype int8"):
        Tensor(np.array([1], np.int8)).add_(300)
    with pytest.raises(TypeError, match=r"Tensor add_: .* an int, which this bool tensor"):
        Tensor([True]).add_(1)


# ------------------------------------------------------------------ an axis of a 0-d tensor
@pytest.mark.parametrize("op", ["sum", "mean", "max", "argmax", "cumsum"])
def test_a_0d_tensor_takes_axis_0_and_minus_1_only(op):
    for dim in (0, -1):
        ours, theirs = getattr(Tensor(1.0), op)(dim=dim), getattr(torch.tensor(1.0), op)(dim=dim)
        theirs = theirs[0] if isinstance(theirs, tuple) else theirs  # max(dim=): values and indices
        assert ours.shape == tuple(theirs.shape) == ()
    with pytest.raises(np.exceptions.AxisError, match=rf"{op}: the tensor is 0-d .* no axis 1; .* only axis 0 or -1"):
        getattr(Tensor(1.0), op)(dim=1)
    with pytest.raises(IndexError):
        getattr(torch.tensor(1.0), op)(dim=1)


def test_copy_converts_dtypes_as_pytorch_and_refuses_what_does_not_fit():
    torch = pytest.importorskip("torch")
    for target, src in (([1, 2, 3], [0.5, 1.5, -2.5]), ([True, False], [0.0, 2.0]), ([1.0, 2.0], [3, 4])):
        ours = Tensor(target)
        ours.copy_(Tensor(src))
        theirs = torch.tensor(target)
        theirs.copy_(torch.tensor(src))
        assert ours.data.tolist() == theirs.tolist() and ours.dtype == np.dtype(str(theirs.dtype).split(".")[1])
    small = Tensor(np.array([1, 2], np.uint8))
    with pytest.raises(ValueError, match=r"copy_: the value 300.0 does not fit in the tensor's dtype uint8"):
        small.copy_(Tensor([300.0, 1.0]))  # (PyTorch wraps it to 44 without a word)
    assert small.data.tolist() == [1, 2]


@pytest.mark.parametrize("write", [lambda t, v: t.__setitem__(0, v), lambda t, v: t.copy_(np.array([v]))])
def test_two_to_the_63_does_not_wrap_into_int64(write):
    t = Tensor(np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="does not fit in the tensor's dtype int64"):
        write(t, 2.0**63)  # int64's max rounds up to this as a float, and the cast wrapped it to INT64_MIN
    assert t.data.tolist() == [0]
    write(t, -(2.0**63))  # the least int64 fits exactly
    assert t.data.tolist() == [-(2**63)]
