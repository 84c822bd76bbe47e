"""Losses: gradients against finite differences, values against numpy formulas, stability, errors."""

import functools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgradnn import Tensor, Value, gradcheck
from microgradnn import nn as mnn
from microgradnn.nn import functional as F
from microgradnn.testing import strategies as mst

LOSS_SETTINGS = settings(max_examples=15, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]


def arrays(shape, op="any", low=None, high=None):
    elements = mst.safe_floats(op) if low is None else st.floats(low, high, allow_nan=False)
    return hnp.arrays(np.float64, shape, elements=elements)


def t64(a, grad=True):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def numbers(x):
    """Loss output (Value, list of Values or Tensor) as a float array."""
    if isinstance(x, list):
        return np.array([v.data for v in x])
    return np.asarray(x.data, dtype=np.float64)


def reduce_np(per_sample, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](per_sample)


def sigmoid_np(x):
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------- gradients: Tensor
@LOSS_SETTINGS
@given(arrays((3, 2)), arrays((3, 2)), st.sampled_from(REDUCTIONS))
def test_mse_tensor_gradcheck_and_value(x, t, reduction):
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [t64(x), t64(t)])
    out = F.mse_loss(t64(x), t, reduction=reduction)
    np.testing.assert_allclose(numbers(out), reduce_np((x - t) ** 2, reduction), rtol=1e-12)


@LOSS_SETTINGS
@given(arrays((4,)), arrays((4,), "abs"), st.sampled_from(REDUCTIONS))
def test_l1_tensor_gradcheck_and_value(x, d, reduction):
    t = x - d  # |x - t| = |d| >= 0.01: away from the kink
    gradcheck(lambda a: F.l1_loss(a, t, reduction=reduction), [t64(x)])
    np.testing.assert_allclose(numbers(F.l1_loss(t64(x), t, reduction=reduction)), reduce_np(np.abs(d), reduction))


def test_l1_kink_convention_gradient_zero_where_equal():
    x = t64([1.0, 2.0])
    F.l1_loss(x, np.array([1.0, 0.0]), reduction="sum").backward()
    assert x.grad.tolist() == [0.0, 1.0]  # sign(0) = 0 at the kink


@LOSS_SETTINGS
@given(arrays((4,), low=0.05, high=0.95), arrays((4,), low=0.0, high=1.0), st.sampled_from(REDUCTIONS))
def test_bce_tensor_gradcheck_and_value(p, y, reduction):
    gradcheck(lambda a: F.binary_cross_entropy(a, y, reduction=reduction), [t64(p)])
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(
        numbers(F.binary_cross_entropy(t64(p), y, reduction=reduction)), reduce_np(expected, reduction)
    )


@LOSS_SETTINGS
@given(arrays((4,)), arrays((4,), low=0.0, high=1.0), st.sampled_from(REDUCTIONS))
@example(np.zeros(4), np.array([0.0, 1.0, 0.5, 0.25]), "sum")  # x = 0: where max(x,0) and |x| have kinks
def test_bce_with_logits_tensor_gradcheck_and_value(x, y, reduction):
    gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, y, reduction=reduction), [t64(x)])
    p = sigmoid_np(x)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    out = F.binary_cross_entropy_with_logits(t64(x), y, reduction=reduction)
    np.testing.assert_allclose(numbers(out), reduce_np(expected, reduction), rtol=1e-9, atol=1e-12)


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = t64([0.0, 0.0])
    F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0]), reduction="sum").backward()
    assert x.grad.tolist() == [0.5, -0.5]


@LOSS_SETTINGS
@given(
    st.lists(st.tuples(mst.safe_floats(), st.sampled_from([-1.0, 1.0])), min_size=1, max_size=5).filter(
        lambda rows: all(abs(1 - y * s) > 1e-2 for s, y in rows)  # away from the hinge at y * s = 1
    ),
    st.sampled_from(REDUCTIONS),
)
def test_hinge_tensor_gradcheck_and_value(rows, reduction):
    s = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    gradcheck(lambda a: F.hinge_loss(a, y, reduction=reduction), [t64(s)])
    np.testing.assert_allclose(
        numbers(F.hinge_loss(t64(s), y, reduction=reduction)), reduce_np(np.maximum(0, 1 - y * s), reduction)
    )


@LOSS_SETTINGS
@given(mst.logits_and_targets(), st.sampled_from(REDUCTIONS))
def test_cross_entropy_tensor_gradcheck_and_value(logits_targets, reduction):
    z, t = logits_targets
    gradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction), [t64(z)])
    m = z.max(axis=1, keepdims=True)
    log_probs = z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))
    expected = -log_probs[np.arange(len(t)), t]
    loss = F.cross_entropy(t64(z), t, reduction=reduction)
    np.testing.assert_allclose(numbers(loss), reduce_np(expected, reduction))
    assert loss.op == "cross_entropy" and len(loss.parents) == 1  # one fused node over the logits


def test_cross_entropy_keeps_its_own_copy_of_the_targets():
    z = t64([[0.0, 1.0], [2.0, 0.5]])
    y = np.array([0, 1])
    loss = F.cross_entropy(z, y)
    y[:] = [1, 0]  # the caller reuses its array before backward
    loss.backward()
    e = np.exp(z.data)
    softmax = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad, (softmax - np.eye(2)) / 2, rtol=1e-12)


@LOSS_SETTINGS
@given(arrays((3, 4)), hnp.arrays(np.int64, (3,), elements=st.integers(0, 3)), st.sampled_from(REDUCTIONS))
def test_nll_tensor_gradcheck_and_value(z, t, reduction):
    gradcheck(lambda a: F.nll_loss(a, t, reduction=reduction), [t64(z)])
    np.testing.assert_allclose(
        numbers(F.nll_loss(t64(z), t, reduction=reduction)), reduce_np(-z[np.arange(3), t], reduction)
    )


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = t64([[1.0, 2.0, 3.0]])
    F.cross_entropy(z, np.array([2])).backward()
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(z.grad[0], e / e.sum() - np.array([0.0, 0.0, 1.0]), rtol=1e-12)


# ------------------------------------------------------------- gradients: Value
def vals(xs):
    return [Value(float(x)) for x in xs]


@LOSS_SETTINGS
@given(st.lists(st.tuples(mst.safe_floats(), mst.safe_floats()), min_size=1, max_size=4), st.sampled_from(REDUCTIONS))
def test_mse_scalar_gradcheck_and_agrees_with_tensor(pairs, reduction):
    x = [a for a, _ in pairs]
    t = [b for _, b in pairs]
    gradcheck(lambda *v: F.mse_loss(list(v), t, reduction=reduction), vals(x))
    np.testing.assert_allclose(
        numbers(F.mse_loss(vals(x), t, reduction=reduction)), numbers(F.mse_loss(t64(x), t, reduction=reduction))
    )


@LOSS_SETTINGS
@given(
    st.lists(st.tuples(mst.safe_floats(), mst.safe_floats("abs")), min_size=1, max_size=4), st.sampled_from(REDUCTIONS)
)
def test_l1_scalar_gradcheck(pairs, reduction):
    x = [a for a, _ in pairs]
    t = [a - d for a, d in pairs]
    gradcheck(lambda *v: F.l1_loss(list(v), t, reduction=reduction), vals(x))
    np.testing.assert_allclose(
        numbers(F.l1_loss(vals(x), t, reduction=reduction)), reduce_np(np.abs(np.subtract(x, t)), reduction)
    )


@LOSS_SETTINGS
@given(
    st.lists(st.tuples(st.floats(0.05, 0.95), st.floats(0.0, 1.0)), min_size=1, max_size=4), st.sampled_from(REDUCTIONS)
)
def test_bce_scalar_gradcheck_and_agrees_with_tensor(pairs, reduction):
    p = [a for a, _ in pairs]
    y = [b for _, b in pairs]
    gradcheck(lambda *v: F.binary_cross_entropy(list(v), y, reduction=reduction), vals(p))
    np.testing.assert_allclose(
        numbers(F.binary_cross_entropy(vals(p), y, reduction=reduction)),
        numbers(F.binary_cross_entropy(t64(p), y, reduction=reduction)),
    )


@LOSS_SETTINGS
@given(st.lists(st.tuples(mst.safe_floats(), st.floats(0.0, 1.0)), min_size=1, max_size=4), st.sampled_from(REDUCTIONS))
@example([(0.0, 0.0), (0.0, 1.0)], "sum")  # the branch point x = 0
def test_bce_with_logits_scalar_gradcheck_and_agrees_with_tensor(pairs, reduction):
    x = [a for a, _ in pairs]
    y = [b for _, b in pairs]
    gradcheck(lambda *v: F.binary_cross_entropy_with_logits(list(v), y, reduction=reduction), vals(x))
    np.testing.assert_allclose(
        numbers(F.binary_cross_entropy_with_logits(vals(x), y, reduction=reduction)),
        numbers(F.binary_cross_entropy_with_logits(t64(x), y, reduction=reduction)),
        rtol=1e-9,
    )


@LOSS_SETTINGS
@given(
    st.lists(st.tuples(mst.safe_floats(), st.sampled_from([-1, 1])), min_size=1, max_size=5).filter(
        lambda rows: all(abs(1 - y * s) > 1e-2 for s, y in rows)
    ),
    st.sampled_from(REDUCTIONS),
)
def test_hinge_scalar_gradcheck(rows, reduction):
    s = [a for a, _ in rows]
    y = [b for _, b in rows]
    gradcheck(lambda *v: F.hinge_loss(list(v), y, reduction=reduction), vals(s))
    expected = reduce_np(np.maximum(0.0, 1.0 - np.multiply(y, s)), reduction)
    np.testing.assert_allclose(numbers(F.hinge_loss(vals(s), y, reduction=reduction)), expected)


@LOSS_SETTINGS
@given(arrays((2, 3)), hnp.arrays(np.int64, (2,), elements=st.integers(0, 2)), st.sampled_from(REDUCTIONS))
@example(np.array([[0.0, 0.0, 0.0], [-3.0, 10.0, -3.0]]), np.array([0, 1]), "none")  # a loss of 4.5e-6
def test_cross_entropy_and_nll_scalar_gradcheck_and_agree_with_tensor(z, t, reduction):
    def rows(*v):
        return [list(v[:3]), list(v[3:])]

    for loss in (F.cross_entropy, F.nll_loss):
        gradcheck(lambda *v, loss=loss: loss(rows(*v), t, reduction=reduction), vals(z.ravel()))
        np.testing.assert_allclose(
            numbers(loss(rows(*vals(z.ravel())), t, reduction=reduction)),
            numbers(loss(t64(z), t, reduction=reduction)),
            rtol=1e-10,
            atol=1e-12,  # a loss near 0 is a difference of numbers near logsumexp: its rounding is absolute
        )


def test_scalar_cross_entropy_single_sample_row_and_int_target():
    z = vals([1.0, 2.0, 3.0])
    loss = F.cross_entropy(z, 0)
    assert loss.data == pytest.approx(math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 1.0)


# ------------------------------------------------------------------- stability
def test_cross_entropy_huge_logits_stay_finite():
    z = t64([[1000.0, 0.0, -1000.0]])
    loss = F.cross_entropy(z, np.array([1]))
    loss.backward()
    assert loss.item() == pytest.approx(1000.0)
    np.testing.assert_allclose(z.grad, [[1.0, -1.0, 0.0]], atol=1e-12)
    assert F.cross_entropy([vals([1000.0, 0.0, -1000.0])], [1]).data == pytest.approx(1000.0)


def test_bce_with_logits_huge_logits_stay_finite():
    x = t64([1000.0, -1000.0])
    loss = F.binary_cross_entropy_with_logits(x, np.array([0.0, 0.0]), reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(1000.0)
    np.testing.assert_allclose(x.grad, [1.0, 0.0], atol=1e-12)
    assert F.binary_cross_entropy_with_logits(
        vals([1000.0, -1000.0]), [0.0, 0.0], reduction="sum"
    ).data == pytest.approx(1000.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_saturated_probabilities_follows_pytorch(dtype):
    # PyTorch's clamps: each log at -100 (p = 1 with y = 0 costs 100, not inf), and the slope
    # (p - y) / max(p (1 - p), 1e-12): finite, 0 where the prediction is right, +-1e12 where it is wrong.
    p_data, y = np.array([1.0, 0.0, 1.0, 0.0], dtype=dtype), np.array([0.0, 1.0, 1.0, 0.0])
    expected_loss, expected_grad = [100.0, 100.0, 0.0, 0.0], [1e12, -1e12, 0.0, 0.0]
    p = Tensor(p_data, requires_grad=True)
    loss = F.binary_cross_entropy(p, y, reduction="sum")
    loss.backward()
    assert loss.data.dtype == dtype
    np.testing.assert_allclose(numbers(loss), 200.0)
    np.testing.assert_allclose(p.grad, expected_grad, rtol=1e-6)
    ps = vals(p_data.tolist())
    losses = F.binary_cross_entropy(ps, y.tolist(), reduction="none")
    Value.sum(losses).backward()
    assert [v.data for v in losses] == expected_loss
    np.testing.assert_allclose([v.grad for v in ps], expected_grad, rtol=1e-12)
    torch = pytest.importorskip("torch")
    pt = torch.tensor(p_data, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(pt, torch.tensor(y, dtype=pt.dtype), reduction="sum").backward()
    np.testing.assert_allclose(p.grad, pt.grad.numpy(), rtol=1e-6)


def test_float32_loss_stays_float32():
    x = Tensor(np.array([[0.5, -1.0]], dtype=np.float32), requires_grad=True)
    assert F.cross_entropy(x, np.array([1])).data.dtype == np.float32
    assert F.mse_loss(x, np.zeros((1, 2))).data.dtype == np.float32


# ---------------------------------------------------------------------- errors
def test_bad_reduction_names_choices():
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(t64([1.0]), [1.0], reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        mnn.MSELoss(reduction="avg")


def test_target_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"input has shape \(3, 1\) but target has shape \(3,\)"):
        F.mse_loss(t64(np.zeros((3, 1))), np.zeros(3))


def test_scalar_count_mismatch():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        F.mse_loss(vals([1.0, 2.0]), [1.0, 2.0, 3.0])


def test_cross_entropy_rejects_float_targets():
    with pytest.raises(TypeError, match=r"integer class indices.*float64"):
        F.cross_entropy(t64(np.zeros((2, 3))), np.array([0.0, 1.0]))


def test_cross_entropy_rejects_out_of_range_targets():
    with pytest.raises(ValueError, match=r"target 3 \(row 1\) is out of range for 3 classes"):
        F.cross_entropy(t64(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"target -1 \(row 2\) is out of range for 3 classes; use 0..2"):
        F.cross_entropy(t64(np.zeros((3, 3))), np.array([0, 2, -1]))  # numpy would wrap -1 to the last class
    with pytest.raises(ValueError, match="out of range"):
        F.nll_loss([vals([0.0, 0.0])], [-1])


def test_cross_entropy_of_an_empty_batch():
    empty, no_targets = t64(np.zeros((0, 3))), np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="empty batch"):
        F.cross_entropy(empty, no_targets)
    assert F.cross_entropy(empty, no_targets, reduction="sum").item() == 0.0
    assert F.cross_entropy(empty, no_targets, reduction="none").shape == (0,)


def test_cross_entropy_rejects_wrong_target_shape_and_1d_input():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        F.cross_entropy(t64(np.zeros((2, 3))), np.array([[0], [1]]))
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        F.cross_entropy(t64(np.zeros(3)), np.array([0]))


def test_hinge_rejects_zero_one_targets():
    with pytest.raises(ValueError, match=r"-1 or \+1.*2\*y - 1"):
        F.hinge_loss(t64([0.5, -0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="-1 or"):
        F.hinge_loss(vals([0.5]), [0])


def test_bce_rejects_non_probabilities():
    with pytest.raises(ValueError, match="apply sigmoid first"):
        F.binary_cross_entropy(t64([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="targets must lie in"):
        F.binary_cross_entropy(t64([0.5]), np.array([2.0]))
    with pytest.raises(ValueError, match="apply sigmoid first"):
        F.binary_cross_entropy(vals([-0.1]), [1.0])


def test_loss_modules_call_the_functions():
    x, y = t64([[1.0, -2.0, 0.5]]), np.array([2])
    assert mnn.CrossEntropyLoss()(x, y).item() == F.cross_entropy(x, y).item()
    assert mnn.MSELoss(reduction="sum")(t64([1.0, 2.0]), [0.0, 0.0]).item() == 5.0
    assert repr(mnn.L1Loss()) == "L1Loss(reduction='mean')"


# ------------------------------------------------------------- PyTorch's options
RNG = np.random.default_rng(0)
SCORES = RNG.standard_normal((4, 3, 2))  # (N, C, d): the class axis is 1
CLASSES = np.array([[0, 2], [1, -100], [2, 2], [1, 0]])  # -100 is the default ignore_index
WEIGHT = np.array([0.5, 1.0, 2.0])
ROWS, PROBS = RNG.standard_normal((4, 3)), RNG.dirichlet(np.ones(3), 4)
P, Y = RNG.uniform(0.1, 0.9, (4, 3)), RNG.uniform(0.0, 1.0, (4, 3))


def _tt(a):
    import torch

    return torch.tensor(a)


OPTION_CASES = {
    "cross_entropy weight ignore_index label_smoothing (N, C, d)": (
        SCORES,
        lambda x, r: F.cross_entropy(x, CLASSES, WEIGHT, reduction=r, label_smoothing=0.2),
        lambda x, r, TF: TF.cross_entropy(x, _tt(CLASSES), _tt(WEIGHT), reduction=r, label_smoothing=0.2),
    ),
    "cross_entropy ignore_index=1": (
        ROWS,
        lambda x, r: F.cross_entropy(x, np.array([0, 1, 2, 1]), ignore_index=1, reduction=r),
        lambda x, r, TF: TF.cross_entropy(x, _tt(np.array([0, 1, 2, 1])), ignore_index=1, reduction=r),
    ),
    "cross_entropy probability targets": (
        ROWS,
        lambda x, r: F.cross_entropy(x, PROBS, WEIGHT, reduction=r, label_smoothing=0.1),
        lambda x, r, TF: TF.cross_entropy(x, _tt(PROBS), _tt(WEIGHT), reduction=r, label_smoothing=0.1),
    ),
    "cross_entropy one sample (C,)": (
        ROWS[0],
        lambda x, r: F.cross_entropy(x, np.array(2), reduction=r),
        lambda x, r, TF: TF.cross_entropy(x, _tt(np.array(2)), reduction=r),
    ),
    "nll_loss weight ignore_index (N, C, d)": (
        SCORES,
        lambda x, r: F.nll_loss(x, CLASSES, WEIGHT, reduction=r),
        lambda x, r, TF: TF.nll_loss(x, _tt(CLASSES), _tt(WEIGHT), reduction=r),
    ),
    "binary_cross_entropy weight": (
        P,
        lambda x, r: F.binary_cross_entropy(x, Y, WEIGHT, reduction=r),
        lambda x, r, TF: TF.binary_cross_entropy(x, _tt(Y), _tt(WEIGHT), reduction=r),
    ),
    "binary_cross_entropy_with_logits weight pos_weight": (
        ROWS,
        lambda x, r: F.binary_cross_entropy_with_logits(x, Y, WEIGHT, reduction=r, pos_weight=WEIGHT[::-1].copy()),
        lambda x, r, TF: TF.binary_cross_entropy_with_logits(
            x, _tt(Y), _tt(WEIGHT), reduction=r, pos_weight=_tt(WEIGHT[::-1].copy())
        ),
    ),
    "smooth_l1_loss beta": (
        ROWS,
        lambda x, r: F.smooth_l1_loss(x, Y, reduction=r, beta=0.5),
        lambda x, r, TF: TF.smooth_l1_loss(x, _tt(Y), reduction=r, beta=0.5),
    ),
    "huber_loss delta": (
        ROWS,
        lambda x, r: F.huber_loss(x, Y, reduction=r, delta=0.5),
        lambda x, r, TF: TF.huber_loss(x, _tt(Y), reduction=r, delta=0.5),
    ),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", OPTION_CASES, ids=list(OPTION_CASES))
def test_functional_loss_options_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    from torch_reference import against_torch

    x, ours, theirs = OPTION_CASES[case]
    against_torch(lambda a: ours(a, reduction), lambda a: theirs(a, reduction, torch.nn.functional), [x])


def test_loss_modules_take_torchs_options():
    torch = pytest.importorskip("torch")
    from torch_reference import against_torch

    w, pw = WEIGHT, WEIGHT[::-1].copy()
    pairs = [
        (
            mnn.CrossEntropyLoss(w, ignore_index=1, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(_tt(w), ignore_index=1, label_smoothing=0.1),
            ROWS,
            np.array([0, 1, 2, 1]),
        ),
        (mnn.NLLLoss(w, reduction="sum"), torch.nn.NLLLoss(_tt(w), reduction="sum"), SCORES, CLASSES),
        (mnn.BCELoss(w), torch.nn.BCELoss(_tt(w)), P, Y),
        (mnn.BCEWithLogitsLoss(w, pos_weight=pw), torch.nn.BCEWithLogitsLoss(_tt(w), pos_weight=_tt(pw)), ROWS, Y),
        (mnn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), ROWS, Y),
        (mnn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), ROWS, Y),
    ]
    for ours, theirs, x, t in pairs:
        against_torch(functools.partial(ours, target=t), functools.partial(theirs, target=_tt(t)), [x])
    assert mnn.CrossEntropyLoss(w).state_dict()["weight"].tolist() == w.tolist()  # a buffer, as in PyTorch
    assert repr(mnn.HuberLoss(delta=0.5)) == "HuberLoss(delta=0.5, reduction='mean')"


def test_plain_cross_entropy_stays_one_fused_node():
    x = t64(ROWS)
    assert F.cross_entropy(x, np.array([0, 1, 2, 1])).op == "cross_entropy"
    assert mnn.CrossEntropyLoss()(x, np.array([0, 1, 2, 1])).op == "cross_entropy"
    assert F.cross_entropy(x, np.array([0, 1, 2, 1]), WEIGHT).op != "cross_entropy"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_and_huber_scalar_agree_with_tensor(reduction):
    x, y = ROWS.ravel(), Y.ravel() * 3  # errors on both sides of beta and delta
    for fn, options in ((F.smooth_l1_loss, {"beta": 0.7}), (F.smooth_l1_loss, {"beta": 0.0}), (F.huber_loss, {})):
        ours = fn(vals(x), list(y), reduction=reduction, **options)
        np.testing.assert_allclose(numbers(ours), numbers(fn(t64(x), y, reduction=reduction, **options)))
        gradcheck(lambda *v, fn=fn, options=options: fn(list(v), list(y), reduction=reduction, **options), vals(x))


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: F.cross_entropy([vals([1.0, 2.0])], [0], WEIGHT[:2]), "weight"),
        (lambda: F.cross_entropy([vals([1.0, 2.0])], [0], label_smoothing=0.1), "label_smoothing"),
        (lambda: F.nll_loss([vals([1.0, 2.0])], [0], ignore_index=1), "ignore_index"),
        (lambda: F.binary_cross_entropy(vals([0.5]), [1.0], [2.0]), "weight"),
        (lambda: mnn.BCEWithLogitsLoss(pos_weight=[2.0])(vals([0.5]), [1.0]), "pos_weight"),
    ],
)
def test_scalar_forms_refuse_tensor_only_options(call, names):
    with pytest.raises(TypeError, match=rf"{names} works only on Tensors.*Pass the scores as a Tensor"):
        call()


def test_option_errors_name_the_option_and_the_fix():
    with pytest.raises(TypeError, match=r"cross_entropy: weight must be numbers.*got 'sum'.*reduction='sum'"):
        F.cross_entropy(t64(ROWS), np.array([0, 1, 2, 1]), "sum")
    with pytest.raises(TypeError, match=r"CrossEntropyLoss: weight.*reduction='sum'"):
        mnn.CrossEntropyLoss("sum")
    with pytest.raises(ValueError, match=r"weight has shape \(4,\).*input's shape \(4, 3\).*shape \(3,\)"):
        F.binary_cross_entropy(t64(P), Y, np.ones(4))
    with pytest.raises(ValueError, match="beta must be a number >= 0, got -1"):
        F.smooth_l1_loss(t64(ROWS), Y, beta=-1)
    with pytest.raises(ValueError, match="HuberLoss: delta must be a number > 0, got 0"):
        mnn.HuberLoss(delta=0)


def test_cross_entropy_documents_its_empty_batch_error():
    assert "empty batch" in F.cross_entropy.__doc__ and 'reduction="sum"' in F.cross_entropy.__doc__
    with pytest.raises(ValueError, match="empty batch"):  # the options path refuses it too (PyTorch: nan)
        F.cross_entropy(t64(np.zeros((0, 3))), np.zeros(0, dtype=int), WEIGHT)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize(
    ("fn", "ref"),
    [
        (F.relu, lambda a: np.maximum(a, 0)),
        (F.tanh, np.tanh),
        (F.sigmoid, sigmoid_np),
        (F.step, lambda a: (a >= 0).astype(float)),
        (lambda v: F.leaky_relu(v, 0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    ],
)
def test_functional_activations_on_value_list_and_tensor(fn, ref):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(numbers(fn(t64(x))), ref(x), rtol=1e-12)
    np.testing.assert_allclose([v.data for v in fn(vals(x))], ref(x), rtol=1e-12)
    assert fn(Value(0.5)).data == pytest.approx(float(ref(np.array([0.5]))[0]))


@LOSS_SETTINGS
@given(st.lists(mst.safe_floats(), min_size=1, max_size=4))
def test_functional_softmax_on_values_matches_tensor_and_gradchecks(xs):
    np.testing.assert_allclose(numbers(F.softmax(vals(xs))), numbers(F.softmax(t64(xs))), rtol=1e-10)
    np.testing.assert_allclose(
        numbers(F.log_softmax(vals(xs))), numbers(F.log_softmax(t64(xs))), rtol=1e-10, atol=1e-12
    )
    gradcheck(lambda *v: F.softmax(list(v)), vals(xs))
    gradcheck(lambda *v: F.log_softmax(list(v)), vals(xs))


def test_functional_activation_rejects_arrays():
    with pytest.raises(TypeError, match="relu: expected a Value"):
        F.relu(np.zeros(3))
