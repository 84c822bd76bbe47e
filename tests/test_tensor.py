"""Tensor semantics: construction, dtypes, gradients, errors, stability, anomaly detection, memory."""

import gc
import re

import numpy as np
import pytest

from microgradnn import Tensor, Value, detect_anomaly, get_default_dtype, no_grad, set_default_dtype
from microgradnn import tensor as tensor_module
from microgradnn.scopes import scope_of
from microgradnn.tensor import TensorFunction, concatenate, maximum, stack, where


def test_issue_example():
    X = Tensor(np.random.rand(4, 3))
    W = Tensor(np.random.randn(3, 2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    loss = (X @ W + b).tanh().mean()
    loss.backward()
    assert W.grad.shape == (3, 2) and b.grad.shape == (2,)
    t = np.tanh(X.data @ W.data + b.data)
    g = (1 - t**2) / t.size
    np.testing.assert_allclose(W.grad, X.data.T @ g)
    np.testing.assert_allclose(b.grad, g.sum(axis=0))
    assert X.grad is None  # X does not require grad: no work is spent on it


# --- construction and dtypes ------------------------------------------------
def test_arrays_keep_their_dtype_python_floats_become_float32_ints_int64_bools_bool():
    assert Tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert Tensor(np.zeros(2, dtype=np.float16)).dtype == np.float16
    assert Tensor(np.arange(3, dtype=np.int32)).dtype == np.int32  # a NumPy array keeps its dtype
    for data in (2.5, [[1.0, 2.0]], [1, 2.5]):
        assert Tensor(data).dtype == np.float32, data
    assert Tensor(np.float64(3.0)).dtype == np.float64  # a NumPy scalar is data too, as torch.tensor keeps it
    for data in (1, [1, 2], [[0, 1], [1, 0]]):
        assert Tensor(data).dtype == np.int64, data  # as torch.tensor([1, 2])
    assert Tensor([True, False]).dtype == np.bool_
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="complex"):
        Tensor([1 + 5j])
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor([1, 2], requires_grad=True)


def test_int_and_bool_tensors_index_and_mask_and_promote_to_float():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    picked = x[Tensor([2, 0, 2])]  # an int64 index tensor
    np.testing.assert_array_equal(picked.data, [30.0, 10.0, 30.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(x[Tensor([True, False, True])].data, [10.0, 30.0])
    mixed = Tensor([1, 2]) * Tensor([0.5, 0.5])
    assert mixed.dtype == np.float32  # PyTorch's rule: an int meets a float in the float's dtype
    assert (Tensor([1, 2]) / 2).dtype == np.float32
    assert Tensor(np.zeros(2), dtype=np.float32).dtype == np.float32


def test_default_dtype_can_be_changed():
    assert get_default_dtype() == np.float32
    try:
        set_default_dtype(np.float64)
        assert Tensor([1.0]).dtype == np.float64
        assert tensor_module.zeros(2).dtype == np.float64
    finally:
        set_default_dtype(np.float32)
    assert Tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        set_default_dtype(np.int32)


def test_data_is_copied_unless_asked_not_to():
    a = np.ones(3)
    t = Tensor(a)
    a[0] = 5.0
    assert t.data[0] == 1.0
    shared = Tensor(a, copy=False)
    assert shared.data is a
    assert shared.numpy() is a  # numpy() is the data itself, as in PyTorch


def test_properties():
    t = Tensor(np.zeros((2, 3)), label="t")
    assert (t.shape, t.ndim, t.dtype, t.size, len(t)) == ((2, 3), 2, np.float64, 6, 2)
    assert t.label == "t" and scope_of(t) is None and t.is_leaf and t.op == "" and t.parents == ()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


@pytest.mark.parametrize("bad", ["abc", ["a", "b"], None, {1: 2}, 1 + 2j])
def test_non_numeric_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"Tensor\(\)"):
        Tensor(bad)


def test_tensor_of_a_tensor_or_of_values_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="already a Tensor"):
        Tensor(Tensor(1.0))
    with pytest.raises(TypeError, match="Value"):
        Tensor(Value(1.0))
    with pytest.raises(TypeError, match="Values or Tensors"):
        Tensor([Value(1.0), Value(2.0)])


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)
    t = Tensor([1, 2], dtype=np.int64)
    with pytest.raises(TypeError, match="floating-point"):
        t.requires_grad_()
    assert not t.requires_grad


def test_constructors():
    z = tensor_module.zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.data.any()
    assert tensor_module.zeros((2, 3)).shape == (2, 3) and Tensor.zeros(4).shape == (4,)
    assert tensor_module.zeros().shape == ()
    np.testing.assert_array_equal(tensor_module.ones(2).data, [1, 1])
    np.testing.assert_array_equal(tensor_module.full((2,), 7.0).data, [7, 7])
    np.testing.assert_array_equal(tensor_module.eye(2).data, [[1, 0], [0, 1]])
    assert tensor_module.eye(2, 3).shape == (2, 3)
    np.testing.assert_array_equal(tensor_module.arange(3).data, [0, 1, 2])
    np.testing.assert_array_equal(tensor_module.arange(1, 2, 0.5).data, [1.0, 1.5])
    assert tensor_module.arange(3).dtype == np.int64  # ints give int64, as NumPy and PyTorch: probs[arange(n), ys]
    assert tensor_module.arange(3.0).dtype == tensor_module.arange(0, 1, 0.5).dtype == np.float32
    assert tensor_module.arange(3, dtype=np.float64).dtype == np.float64
    assert tensor_module.arange(3.0, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="arange: only floating-point tensors can require gradients"):
        tensor_module.arange(3, requires_grad=True)
    w = tensor_module.randn(3, 2, seed=1, requires_grad=True)
    assert w.requires_grad and w.dtype == np.float32
    np.testing.assert_array_equal(w.data, tensor_module.randn(3, 2, seed=1).data)
    assert not np.array_equal(w.data, tensor_module.randn(3, 2, seed=2).data)
    u = tensor_module.rand(1000, generator=np.random.default_rng(0))
    assert u.data.min() >= 0 and u.data.max() < 1
    np.testing.assert_array_equal(u.data, Tensor.rand(1000, generator=np.random.default_rng(0)).data)
    with pytest.raises(ValueError, match="either seed or generator"):
        tensor_module.rand(2, seed=1, generator=np.random.default_rng(0))


def test_repr():
    W = Tensor([[1.0, 2.0]], requires_grad=True, label="W")
    assert repr(W) == "Tensor([[1., 2.]], shape=(1, 2), dtype=float32, requires_grad=True, label='W')"
    out = W @ Tensor([[1.0], [1.0]])
    assert repr(out) == "Tensor([[3.]], shape=(1, 1), dtype=float32, grad_fn=matmul)"
    assert "grad_fn" not in repr(Tensor([1.0]) + 1)


def test_item_float_and_bool():
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor(2.5).item(), float)
    assert float(Tensor(1.5)) == 1.5 and bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) \(6 elements\)"):
        Tensor(np.zeros((2, 3))).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_pytorchs_nelement_tolist_format_and_retain_grad():
    x = Tensor([[1.5, 2.0, 3.0]], requires_grad=True)
    assert x.nelement() == x.numel() == 3 and Tensor.nelement is Tensor.numel
    assert x.tolist() == [[1.5, 2.0, 3.0]] and Tensor(2).tolist() == 2 and isinstance(Tensor(2).tolist(), int)
    assert f"{x.sum():.3f}" == "6.500" and f"{Tensor(3):4d}" == "   3" and f"{x}" == str(x)
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{x:.2f}"  # as PyTorch: only a 0-d tensor takes a number's format
    h = x * 2
    assert h.retain_grad() is None  # a no-op spelling: interior gradients are kept anyway
    h.sum().backward()
    np.testing.assert_array_equal(h.grad, [[1.0, 1.0, 1.0]])
    with pytest.raises(RuntimeError, match="retain_grad: this tensor does not require grad"):
        Tensor([1.0]).retain_grad()


def test_detach_shares_data_and_leaves_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert y.is_leaf and not y.requires_grad
    d = x.detach()
    assert d.data is x.data


def test_item_assignment_writes_in_place_and_bumps_the_version():
    t = Tensor([1.0, 2.0])
    t[0] = 3.0
    assert t.data[0] == 3.0 and t.version == 1
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 3.0  # would silently break backward
    with no_grad():
        w[0] = 3.0
    assert w.version == 1


# --- gradients ---------------------------------------------------------------
def test_grad_is_none_until_backward_then_an_array_of_the_same_shape_and_dtype():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert x.grad is None
    (x * x).sum().backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == (1, 3) and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [[2.0, 4.0, 6.0]])


def test_gradients_accumulate_until_zero_grad():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == (
        "backward on a tensor of shape (3, 2) needs an explicit gradient, e.g. "
        "t.backward(np.ones_like(t.data)) or reduce it with .sum() first"
    )
    seed = np.full((3, 2), 0.5)
    y.backward(seed)
    np.testing.assert_array_equal(x.grad, np.ones((3, 2)))
    assert y.grad is not seed and not np.shares_memory(y.grad, seed)
    with pytest.raises(ValueError, match=r"shape \(2,\) but the tensor has shape \(3, 2\)"):
        y.backward(np.ones(2))
    # A single element needs no gradient, whatever its shape.
    z = Tensor([[2.0]], requires_grad=True)
    (z * z).backward()
    np.testing.assert_array_equal(z.grad, [[4.0]])


def test_backward_without_a_graph_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_only_inputs_that_require_grad_get_gradients():
    x = Tensor(np.ones((4, 3)))
    W = Tensor(np.ones((3, 2)), requires_grad=True)
    (x @ W).sum().backward()
    assert x.grad is None and W.grad.shape == (3, 2)


def test_results_without_grad_are_leaves():
    x = Tensor([1.0, 2.0])
    y = x.exp() + 1
    assert y.is_leaf and not y.requires_grad and y.op == ""
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        z = (w * 2).sum()
    assert z.is_leaf and not z.requires_grad
    assert (w * 2).requires_grad and (w * 2).op == "*"


def test_leaf_gradients_own_their_memory():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # both receive the same upstream array: each must get its own
    assert not np.shares_memory(a.grad, b.grad)
    a.grad *= 10  # an optimizer may update in place
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    v, w = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones((3, 2)), requires_grad=True)
    (v.reshape(6) + w.T.reshape(6)).sum().backward()  # views of one upstream array, reshaped back
    assert not np.shares_memory(v.grad, w.grad)
    assert v.grad.flags.writeable and w.grad.flags.writeable


def test_no_two_parents_share_a_gradient_array_whatever_the_arity():
    class Hand(TensorFunction):  # hands the upstream array itself to several inputs, not only to neighbours
        @staticmethod
        def forward(ctx, *xs):
            return xs[0] + 0.0

        @staticmethod
        def backward(ctx, grad):
            return tuple(grad if i != 1 else grad * 2 for i in range(len(ctx.needs_input_grad)))

    for arity in (3, 4):
        xs = [Tensor([1.0, 2.0], requires_grad=True) for _ in range(arity)]
        Hand.apply(*xs).sum().backward()
        grads = [x.grad for x in xs]
        assert not any(np.shares_memory(a, b) for i, a in enumerate(grads) for b in grads[i + 1 :]), arity


def test_float32_stays_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 2.5 + 1) ** 2 / 3 - np.float64(1.0)).exp().sigmoid().mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_gradients_take_the_dtype_of_their_tensor():
    w = Tensor([1.0, 2.0], requires_grad=True)  # float32
    x = Tensor(np.array([3.0, 4.0]))  # float64 data
    out = (w * x).sum()
    assert out.dtype == np.float64
    out.backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    v = Tensor([1.0, 2.0], requires_grad=True)
    v.astype(np.float64).sum().backward()
    assert v.grad.dtype == np.float32
    assert not v.astype(np.int64).requires_grad


def test_interior_grad_is_the_latest_pass():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = h.sum()
    out.backward()
    out.backward()
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_backward_steps_work_for_tensors():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    W = Tensor([[1.0], [-1.0]], requires_grad=True, label="W")
    loss = (x @ W).tanh().sum()
    steps = list(loss.backward_steps())
    assert [s.node.op for s in steps] == ["sum", "tanh", "matmul"]
    assert all(s.local_derivatives is None for s in steps)
    matmul_step = steps[-1]
    assert matmul_step.parents == (x, W)
    np.testing.assert_array_equal(matmul_step.contributions[0], x.grad)
    grads = (x.grad.copy(), W.grad.copy())
    x.zero_grad(), W.zero_grad()
    loss.backward()
    np.testing.assert_array_equal(x.grad, grads[0])
    np.testing.assert_array_equal(W.grad, grads[1])
    assert "matmul" in str(matmul_step) and "array(2,)" in str(matmul_step)


def test_numbers_on_either_side():
    t = Tensor([1.0, 2.0])
    np.testing.assert_array_equal((2 - t).data, [1, 0])
    np.testing.assert_array_equal((t**2).data, [1, 4])
    np.testing.assert_array_equal((2**t).data, [2, 4])
    np.testing.assert_array_equal((6 / t).data, [6, 3])
    np.testing.assert_array_equal((1 + t * 3).data, [4, 7])
    np.testing.assert_array_equal((-t).data, [-1, -2])
    np.testing.assert_array_equal(abs(Tensor([-1.0, 2.0])).data, [1, 2])
    np.testing.assert_allclose((t ** Tensor([3.0, 0.5])).data, [1, 2**0.5], rtol=1e-6)
    r = np.array([10.0, 20.0]) + t  # numpy defers to the Tensor
    assert isinstance(r, Tensor)
    np.testing.assert_array_equal(r.data, [11, 22])
    m = np.eye(2) @ t
    assert isinstance(m, Tensor)


def test_comparisons_return_boolean_tensors_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert isinstance(mask, Tensor) and mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True, True])
    np.testing.assert_array_equal((x == Tensor([1.0, 0.0, 3.0])).data, [True, False, True])
    np.testing.assert_array_equal((x != 2).data, [True, False, True])
    np.testing.assert_array_equal((x <= 2).data, [True, True, False])
    np.testing.assert_array_equal((x < 2).data, [True, False, False])
    np.testing.assert_array_equal((x >= 2).data, [False, True, True])
    assert {x: 1}[x] == 1  # tensors still hash by identity
    np.testing.assert_array_equal(x[mask].data, [2.0, 3.0])
    np.testing.assert_array_equal(where(mask, x, 0.0).data, [0.0, 2.0, 3.0])


def test_argmax_and_argmin_are_integer_tensors():
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    assert x.argmax().item() == 3
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0, keepdims=True).data, [[0, 1, 0]])
    assert x.argmax(axis=1).dtype.kind == "i" and not x.argmax().requires_grad


def test_forward_values_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    t = Tensor(a)
    np.testing.assert_allclose(t.sigmoid().data, 1 / (1 + np.exp(-a)))
    np.testing.assert_allclose(t.var(axis=0).data, a.var(axis=0))
    np.testing.assert_allclose(t.var(ddof=1).data, a.var(ddof=1))
    np.testing.assert_allclose(t.logsumexp(axis=1).data, np.log(np.exp(a).sum(axis=1)))
    np.testing.assert_allclose(t.softmax().data.sum(axis=-1), np.ones(3))
    np.testing.assert_allclose(t.leaky_relu(0.1).data, np.where(a > 0, a, 0.1 * a))
    np.testing.assert_allclose(t.clip(-0.5, 0.5).data, np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(t.clip(max=0).data, np.minimum(a, 0))
    np.testing.assert_array_equal(t.flatten(1).shape, (3, 4))
    np.testing.assert_array_equal(t.reshape(2, 1, 6).flatten(1).shape, (2, 6))
    np.testing.assert_array_equal(t.unsqueeze(-1).shape, (3, 4, 1))
    np.testing.assert_array_equal(t.transpose(0, 1).data, a.T)
    np.testing.assert_array_equal(concatenate([t, t], axis=1).data, np.concatenate([a, a], axis=1))
    np.testing.assert_array_equal(stack([t, t], axis=-1).data, np.stack([a, a], axis=-1))
    np.testing.assert_array_equal(maximum(t, 0.0).data, np.maximum(a, 0))
    assert Tensor(3.0).T.shape == ()


# --- bad input -----------------------------------------------------------
def test_broadcast_mismatch_names_op_shapes_and_rule():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    for f, op in [(lambda: a + b, "+"), (lambda: a * b, "*"), (lambda: a - b, "-"), (lambda: a / b, "/")]:
        with pytest.raises(ValueError, match=re.escape(f"Tensor {op}:")) as info:
            f()
        message = str(info.value)
        assert "(2, 3)" in message and "(4,)" in message
        assert "dimensions must be equal or 1, compared from the right" in message
    with pytest.raises(ValueError, match="compared from the right"):
        maximum(a, b)
    with pytest.raises(ValueError, match=r"where.*compared from the right"):
        where(np.ones((2, 3), dtype=bool), a, b)
    with pytest.raises(ValueError, match=r"broadcast_to.*\(2, 3\).*\(4, 2\)"):
        a.broadcast_to((4, 2))
    with pytest.raises(ValueError, match=r"<.*\(2, 3\)"):
        a < b  # noqa: B015


def test_matmul_mismatch_names_inner_dimensions():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\).*inner dimensions must be equal") as info:
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    assert "a.shape[-1] = 3" in str(info.value) and "b.shape[-2] = 4" in str(info.value)
    with pytest.raises(ValueError, match="inner dimensions"):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))
    with pytest.raises(ValueError, match="at least 1-d"):
        Tensor(2.0) @ Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"batch dimensions.*equal or 1"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 1)))


def test_mixing_value_and_tensor_is_a_type_error_with_a_hint():
    t = Tensor([1.0])
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        t + Value(1.0)
    with pytest.raises(TypeError, match=r"cannot combine a Value with a Tensor.*Tensor\(v.data\)"):
        Value(1.0) * t
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) + t  # Value's own operator runs first: its hint must name the Tensor too
    with pytest.raises(TypeError, match="unsupported operand of type str"):
        t * "x"
    with pytest.raises(TypeError, match="Value"):
        Tensor([1.0], requires_grad=True).sum().backward(Value(1.0))


def test_index_out_of_range_names_the_shape():
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"shape \(2, 3\)") as info:
        t[5]
    assert "index 5" in str(info.value)
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        t[np.array([0, 2])]


def test_other_shape_errors():
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4,\)"):
        t.reshape(4)
    with pytest.raises(np.exceptions.AxisError, match=r"sum: axis 2 .* shape \(2, 3\)"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="same axis twice"):
        t.sum(axis=(0, -2))
    with pytest.raises(ValueError, match="squeeze: axis 1"):
        t.squeeze(1)
    with pytest.raises(ValueError, match="permute"):
        t.permute(0, 0)
    with pytest.raises(ValueError, match="all shapes must match except along that axis"):
        concatenate([t, Tensor(np.zeros((3, 3)))], axis=1)
    with pytest.raises(ValueError, match="same shape"):
        stack([t, Tensor(np.zeros((3, 2)))])
    with pytest.raises(TypeError, match="non-empty list"):
        concatenate(t)
    with pytest.raises(TypeError, match="boolean"):
        where(np.ones((2, 3)), t, t)
    with pytest.raises(ValueError, match="degrees of freedom"):
        Tensor([1.0]).var(ddof=1)
    with pytest.raises(ValueError, match="no elements"):
        Tensor(np.zeros((0, 2))).max(axis=0)
    with pytest.raises(TypeError, match="both axes"):
        t.transpose(0)
    with pytest.raises(np.exceptions.AxisError, match="unsqueeze"):
        t.unsqueeze(4)


# --- numerical stability -------------------------------------------------
@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_softmax_family_is_stable_at_large_logits(scale):
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, -5.0]]) + scale
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow or nan anywhere
        for dtype in (np.float32, np.float64):
            x = Tensor(z.astype(dtype), requires_grad=True)
            logp = x.log_softmax(axis=1)
            expected = z - z.max(axis=1, keepdims=True)
            expected = expected - np.log(np.exp(expected).sum(axis=1, keepdims=True))
            np.testing.assert_allclose(logp.data, expected, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(x.softmax(axis=1).data, np.exp(expected), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(x.logsumexp(axis=1).data, (z - expected)[:, 0], rtol=1e-6)
            (logp[:, 0].sum() + x.logsumexp() + x.softmax(axis=0)[0, 0]).backward()
            assert np.isfinite(x.grad).all()
    with np.errstate(divide="ignore"):  # log(0): the honest answer for a slice of all -inf
        np.testing.assert_array_equal(Tensor([[-np.inf, -np.inf]]).logsumexp(axis=1).data, [-np.inf])


def test_sigmoid_is_stable_far_out():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        x = Tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], requires_grad=True)
        y = x.sigmoid()
        y.sum().backward()
    assert y.data[0] == 0.0 and y.data[-1] == 1.0 and y.data[2] == 0.5
    assert y.data[1] > 0  # not rounded to zero: e^-30 is representable
    assert np.isfinite(x.grad).all()


# --- anomaly detection -----------------------------------------------------
def test_anomaly_in_forward_names_the_op_and_the_line():
    x = Tensor([1.0, 0.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        assert np.isinf(x.log().data).any()  # without anomaly mode: numpy's -inf, as in PyTorch
        with detect_anomaly(), pytest.raises(FloatingPointError) as info:
            x.log()
    message = str(info.value)
    assert "log produced inf (first at index (1,)) in forward" in message
    assert "test_tensor.py" in message and "x.log()" in message


def test_anomaly_in_forward_says_when_the_input_was_already_bad():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="input 0 already held a nan"):
        Tensor([np.nan]) * 2


def test_anomaly_in_backward_names_the_op_and_where_it_was_created():
    x = Tensor([4.0, 0.0], requires_grad=True)
    x.grad = np.array([1.0, 1.0], dtype=np.float32)
    with detect_anomaly():
        y = x.sqrt()  # finite forward, infinite slope at 0
        with np.errstate(divide="ignore"), pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "backward of sqrt" in message and "inf" in message and "input 0" in message
    assert "test_tensor.py" in message and "x.sqrt()" in message
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])  # nothing half-updated


def test_anomaly_in_backward_of_a_graph_built_outside():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with detect_anomaly(), np.errstate(divide="ignore"), pytest.raises(FloatingPointError, match="build the graph"):
        y.backward()
    with np.errstate(divide="ignore"):
        y.backward()  # outside anomaly mode, inf is allowed through
    assert np.isinf(x.grad).all()


# --- memory ---------------------------------------------------------------
def count_tensors():
    return sum(isinstance(o, Tensor) for o in gc.get_objects())


def test_graphs_form_no_reference_cycles():
    gc.collect()
    before = count_tensors()
    gc.disable()
    try:
        W = Tensor(np.ones((3, 4)), requires_grad=True)
        x = Tensor(np.ones((2, 3)))
        for _ in range(20):
            h = (x @ W).relu().log_softmax(axis=1)[[0, 1], [1, 2]]
            loss = h.mean() + W.var() + concatenate([W, W]).max()
            loss.backward()
        del W, x, h, loss
        assert count_tensors() == before  # every node was freed by reference counting alone
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_iteration_and_numpy_conversion():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and rows[1].shape == (2,)
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2, 2], [1, 1]])
    with pytest.raises(TypeError, match="0-d"):
        iter(Tensor(1.0))
    assert np.asarray(x) is x.data
    assert np.array(x, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(x), x.data)


def test_reductions_of_boolean_and_integer_tensors_count():
    pred = Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]).argmax(axis=1)
    hits = pred == np.array([1, 1, 1])
    assert hits.sum().item() == 2
    assert hits.mean().item() == pytest.approx(2 / 3)
    small = Tensor(np.array([100, 100], dtype=np.int8), dtype=np.int8)
    assert small.sum().item() == 200


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(tensor_module.tensor)
    assert result.attempted > 0 and result.failed == 0
