"""Losses as Tensor methods (tensor/losses.py): PyTorch's functional losses and tinygrad's method names.

Each loss is checked against PyTorch (value and gradient, float64) and by gradcheck on hypothesis-drawn
inputs (the package's strategies); bad targets and arguments get errors that name the loss.
"""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import against_torch as _against_torch
from torch_reference import leaf

from microgradnn import Tensor, gradcheck
from microgradnn.gradcheck import gradgradcheck
from microgradnn.testing import strategies as mst

torch = pytest.importorskip("torch")
F = torch.nn.functional

FAST = settings(deadline=None, max_examples=12)

# Compared on the inputs as drawn (no flushing of subnormal numbers), as these tests always were.
against_torch = functools.partial(_against_torch, flush_subnormals=False)


REDUCTIONS = ["mean", "sum", "none"]


# --------------------------------------------------------------- cross-entropy
@st.composite
def class_case(draw, extra_axes=False):
    logits, targets = draw(mst.logits_and_targets(max_batch=4, max_classes=4), label="logits, targets")
    if extra_axes and draw(st.booleans(), label="spatial"):  # (N, C, d) logits with (N, d) targets
        d = draw(st.integers(1, 3))
        logits = draw(mst.arrays((logits.shape[0], logits.shape[1], d)), label="logits")
        targets = draw(mst.hnp.arrays(np.int64, (logits.shape[0], d), elements=st.integers(0, logits.shape[1] - 1)))
    return logits, targets


@pytest.mark.parametrize("reduction", REDUCTIONS)
@FAST
@given(case=class_case(extra_axes=True), data=st.data())
def test_cross_entropy_matches_torch_and_finite_differences(reduction, case, data):
    logits, targets = case
    c = logits.shape[1]
    kw = {"reduction": reduction}
    if data.draw(st.booleans(), label="weight"):
        kw["weight"] = data.draw(mst.arrays((c,), "log"), label="w")
    if data.draw(st.booleans(), label="smoothing"):
        kw["label_smoothing"] = data.draw(st.sampled_from([0.1, 0.5]))
    if data.draw(st.booleans(), label="ignore") and targets.size > 1:
        kw["ignore_index"] = int(targets.flat[0])
        if (targets == kw["ignore_index"]).all():
            del kw["ignore_index"]
    torch_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    against_torch(
        lambda x: x.cross_entropy(targets, **kw),
        lambda x: F.cross_entropy(x, torch.tensor(targets), **torch_kw),
        [logits],
    )
    gradcheck(lambda x: x.cross_entropy(Tensor(targets), **kw), [leaf(logits)])


def test_cross_entropy_plain_case_is_the_fused_node_and_probabilities_work():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    targets = np.array([0, 2])
    out = leaf(logits).cross_entropy(targets)
    assert out.op == "cross_entropy"  # one node, gradient softmax - onehot
    probs = np.array([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]])
    for kw in ({}, {"label_smoothing": 0.2}, {"weight": np.array([1.0, 2.0, 0.5])}, {"reduction": "none"}):
        torch_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        against_torch(
            lambda x, p, kw=kw: x.cross_entropy(p.detach(), **kw),
            lambda x, p, kw=torch_kw: F.cross_entropy(x, p.detach(), **kw),
            [logits, probs],
        )
    # one sample without a batch axis, as PyTorch allows
    against_torch(lambda x: x.cross_entropy(np.array(1)), lambda x: F.cross_entropy(x, torch.tensor(1)), [logits[0]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@FAST
@given(case=class_case(extra_axes=True))
def test_nll_loss_matches_torch(reduction, case):
    logits, targets = case
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    w = np.linspace(0.5, 2.0, logits.shape[1])
    against_torch(
        lambda x: x.nll_loss(targets, weight=w, reduction=reduction),
        lambda x: F.nll_loss(x, torch.tensor(targets), weight=torch.tensor(w), reduction=reduction),
        [logp],
    )


def _torch_kw(kw):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


def test_class_losses_pick_the_target_so_minus_inf_at_another_class_is_not_nan():
    # the target picked by index: -inf * 0 from a one-hot product would make these nan
    lp = np.array([[np.log(0.5), np.log(0.5), -np.inf], [-np.inf, np.log(0.25), np.log(0.75)]])
    for kw in ({}, {"weight": np.array([1.0, 2.0, 0.5])}, {"ignore_index": 0}, {"reduction": "none"}):
        torch_kw = _torch_kw(kw)
        against_torch(
            lambda x, kw=kw: x.nll_loss(np.array([0, 2]), **kw),
            lambda x, kw=torch_kw: F.nll_loss(x, torch.tensor([0, 2]), **kw),
            [lp],
        )
    logits = np.array([[2.0, -np.inf, 0.5], [-np.inf, 1.0, 3.0]])
    spatial = np.array([[[2.0, 1.0], [-np.inf, 0.0], [0.5, -np.inf]]])  # (N, C, d) logits, (N, d) targets
    for x, t in ((logits, np.array([0, 2])), (logits, np.array([-100, 2])), (spatial, np.array([[0, 1]]))):
        for kw in ({"weight": np.ones(3)}, {"label_smoothing": 0.1}, {"reduction": "sum", "weight": np.ones(3)}):
            torch_kw = _torch_kw(kw)
            against_torch(  # with label_smoothing the loss is inf, as PyTorch's, and the gradient finite
                lambda a, t=t, kw=kw: a.cross_entropy(t, **kw),
                lambda a, t=t, kw=torch_kw: F.cross_entropy(a, torch.tensor(t), **kw),
                [x],
            )
    finite = np.array([[[2.0, 1.0], [-1.0, 0.0], [0.5, -2.0]]])
    gradgradcheck(lambda a: a.cross_entropy(np.array([[0, 1]]), weight=np.array([1.0, 2.0, 0.5])), [leaf(finite)])


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.2}, {"weight": np.array([1.0, 2.0, 0.5])}])
def test_every_target_ignored_gives_pytorchs_nan_mean_with_zero_gradient(kw):
    logits, t = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]]), np.array([-100, -100])
    against_torch(
        lambda x: x.cross_entropy(t, **kw), lambda x: F.cross_entropy(x, torch.tensor(t), **_torch_kw(kw)), [logits]
    )
    nll_kw = {k: v for k, v in kw.items() if k != "label_smoothing"}
    against_torch(
        lambda x: x.nll_loss(t, **nll_kw), lambda x: F.nll_loss(x, torch.tensor(t), **_torch_kw(nll_kw)), [logits]
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.2}, {"weight": np.array([1.0, 2.0, 0.5])}])
def test_cross_entropy_of_an_empty_batch_is_pytorchs(reduction, kw):
    t = np.zeros(0, dtype=np.int64)  # mean: nan (0/0), sum: 0, none: empty; the gradient an empty array
    against_torch(
        lambda x: x.cross_entropy(t, reduction=reduction, **kw),
        lambda x: F.cross_entropy(x, torch.tensor(t), reduction=reduction, **_torch_kw(kw)),
        [np.zeros((0, 3))],
    )


@FAST
@given(mst.logits_and_targets(max_batch=4, max_classes=4), st.sampled_from([0.0, 0.2]), st.booleans())
def test_sparse_categorical_crossentropy_is_tinygrads(case, smoothing, ignore):
    logits, targets = case
    t = targets.copy()
    if ignore and len(t) > 1:
        t[0] = -1
    x = leaf(logits)
    out = x.sparse_categorical_crossentropy(t, label_smoothing=smoothing)
    # tinygrad's definition: classes on the last axis, ignored targets count for nothing in sum or count
    logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    valid = t != -1
    per = (1 - smoothing) * logp[np.arange(len(t)), np.where(valid, t, 0)] + smoothing * logp.mean(axis=-1)
    np.testing.assert_allclose(out.data, -(per * valid).sum() / valid.sum())
    if smoothing == 0.0:  # it is then PyTorch's cross-entropy with ignore_index=-1
        ref = F.cross_entropy(torch.tensor(logits), torch.tensor(t), ignore_index=-1)
        np.testing.assert_allclose(out.data, ref.numpy())
    gradcheck(lambda y: y.sparse_categorical_crossentropy(t, label_smoothing=smoothing), [leaf(logits)])


def test_sparse_categorical_crossentropy_at_a_minus_inf_class_and_all_ignored():
    x = np.array([[2.0, -np.inf, 0.5], [0.1, 0.2, -np.inf]])
    against_torch(  # the classes last, as tinygrad's; torch's cross_entropy wants them at axis 1
        lambda a: a.sparse_categorical_crossentropy(np.array([0, 1])),
        lambda a: F.cross_entropy(a, torch.tensor([0, 1])),
        [x],
    )
    t = leaf(np.zeros((2, 3)))
    out = t.sparse_categorical_crossentropy(np.array([-1, -1]))
    out.backward()
    assert np.isnan(out.item()) and np.all(t.grad == 0)


# --------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
@FAST
@given(data=st.data())
def test_binary_crossentropy_and_logits_match_torch(reduction, data):
    shape = data.draw(mst.shapes(min_dims=1, max_dims=2, max_side=4), label="shape")
    x = data.draw(mst.arrays(shape), label="logits")
    p = 1 / (1 + np.exp(-np.clip(x, -4, 4)))  # probabilities away from 0 and 1
    y = data.draw(mst.arrays(shape, "sigmoid"), label="y")
    y = 1 / (1 + np.exp(-y))
    against_torch(
        lambda a: a.binary_crossentropy(y, reduction),
        lambda a: F.binary_cross_entropy(a, torch.tensor(y), reduction=reduction),
        [p],
    )
    against_torch(
        lambda a: a.binary_crossentropy_logits(y, reduction),
        lambda a: F.binary_cross_entropy_with_logits(a, torch.tensor(y), reduction=reduction),
        [x],
    )
    w = np.linspace(0.5, 3.0, shape[-1])
    against_torch(
        lambda a: a.binary_cross_entropy_with_logits(y, reduction, pos_weight=w),
        lambda a: F.binary_cross_entropy_with_logits(
            a, torch.tensor(y), reduction=reduction, pos_weight=torch.tensor(w)
        ),
        [x],
    )
    gradcheck(lambda a: a.binary_crossentropy_logits(y, reduction), [leaf(x)])
    gradcheck(lambda a: a.binary_cross_entropy(y, reduction), [leaf(p)])


def test_binary_crossentropy_logits_is_stable_and_smooth_at_zero():
    x = np.array([1000.0, -1000.0, 0.0, 30.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    against_torch(
        lambda a: a.binary_crossentropy_logits(y, "none"),
        lambda a: F.binary_cross_entropy_with_logits(a, torch.tensor(y), reduction="none"),
        [x],
    )
    t = leaf([0.0])
    t.binary_crossentropy_logits([1.0]).backward()
    assert t.grad.tolist() == [-0.5]  # sigmoid(0) - y, no kink convention involved
    # probabilities of exactly 0 and 1: each log is clamped at -100, as in PyTorch
    out = leaf([0.0, 1.0]).binary_crossentropy(np.array([1.0, 0.0]), "none")
    ref = F.binary_cross_entropy(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]), reduction="none")
    assert out.data.tolist() == ref.tolist() == [100.0, 100.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_crossentropy_at_saturated_probabilities_has_pytorchs_finite_slopes(dtype):
    p, y = np.array([1.0, 0.0, 0.0, 1.0, 0.3], dtype), np.array([1.0, 0.0, 1.0, 0.0, 0.6], dtype)
    ours_p, ours_y = Tensor(p, requires_grad=True), Tensor(y, requires_grad=True)
    loss = ours_p.binary_crossentropy(ours_y, "sum")
    loss.backward()
    tp, ty = torch.tensor(p, requires_grad=True), torch.tensor(y, requires_grad=True)
    ref = F.binary_cross_entropy(tp, ty, reduction="sum")
    ref.backward()
    np.testing.assert_allclose(loss.data, ref.item(), rtol=1e-6)
    assert np.isfinite(ours_p.grad).all() and ours_p.grad.dtype == dtype  # 0 where right, -1e12 or 1e12 where wrong
    np.testing.assert_allclose(ours_p.grad, tp.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours_y.grad, ty.grad.numpy(), rtol=1e-6)  # log(1 - p) - log(p): inf at 0 and 1


def test_binary_crossentropy_has_second_derivatives():
    p, y = leaf([0.2, 0.7, 0.5]), leaf([0.0, 1.0, 0.3])
    gradgradcheck(lambda a, b: a.binary_crossentropy(b, "sum"), [p, y])


# ----------------------------------------------------------------- regression
REGRESSION = {
    "mse": (lambda a, y, r: a.mse(y, r), lambda a, y, r: F.mse_loss(a, y, reduction=r)),
    "mse_loss": (lambda a, y, r: a.mse_loss(y, r), lambda a, y, r: F.mse_loss(a, y, reduction=r)),
    "l1_loss": (lambda a, y, r: a.l1_loss(y, r), lambda a, y, r: F.l1_loss(a, y, reduction=r)),
    "smooth_l1_loss": (
        lambda a, y, r: a.smooth_l1_loss(y, r, beta=0.7),
        lambda a, y, r: F.smooth_l1_loss(a, y, reduction=r, beta=0.7),
    ),
    "huber_loss": (
        lambda a, y, r: a.huber_loss(y, r, delta=0.7),
        lambda a, y, r: F.huber_loss(a, y, reduction=r, delta=0.7),
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(deadline=None, max_examples=10)
@given(data=st.data())
def test_regression_losses_match_torch_and_finite_differences(name, reduction, data):
    ours, theirs = REGRESSION[name]
    shape = data.draw(mst.shapes(min_dims=1, max_dims=2, max_side=4), label="shape")
    y = data.draw(mst.arrays(shape), label="y")
    # away from the kinks: d = x - y not near 0 (l1) nor near +-0.7 (smooth l1, huber)
    offset = data.draw(mst.hnp.arrays(np.float64, shape, elements=st.sampled_from([-2.0, -0.4, 0.3, 1.5])))
    x = y + offset
    against_torch(lambda a: ours(a, y, reduction), lambda a: theirs(a, torch.tensor(y), reduction), [x])
    gradcheck(lambda a: ours(a, y, reduction), [leaf(x)])


@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_and_huber_have_pytorchs_slopes_at_infinite_differences(name, reduction):
    ours, theirs = REGRESSION[name]
    x, y = np.array([np.inf, -np.inf, 3.0, 0.2, np.nan]), np.zeros(5)  # slopes +-1 (+-delta) at +-inf, nan at nan
    against_torch(lambda a: ours(a, y, reduction), lambda a: theirs(a, torch.tensor(y), reduction), [x])
    gradgradcheck(lambda a: ours(a, y[:4], reduction), [leaf([2.0, -1.5, 0.3, -0.2])])  # second order still works


def test_loss_errors_name_the_loss_and_the_fix():
    x = leaf(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="cross_entropy: reduction must be 'mean', 'sum' or 'none'"):
        x.cross_entropy([0, 1], reduction="avg")
    with pytest.raises(IndexError, match=r"cross_entropy: class target 3 is out of range for 3 classes \(0..2\)"):
        x.cross_entropy(np.array([0, 3]))
    with pytest.raises(ValueError, match=r"cross_entropy: class targets must have shape \(2,\) for this input"):
        x.cross_entropy(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        x.cross_entropy(np.array([0, 1]), label_smoothing=2.0)
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\)"):
        x.cross_entropy(np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match="binary_crossentropy: the input must hold probabilities in"):
        leaf([1.5]).binary_crossentropy([1.0])
    with pytest.raises(ValueError, match=r"mse: the target has shape \(3,\) but the input has shape \(2, 3\)"):
        x.mse(np.zeros(3))
    with pytest.raises(TypeError, match="nll_loss: class targets must be integers"):
        x.nll_loss(np.zeros(2))
    with pytest.raises(TypeError, match="mse: the input must be a float tensor"):
        Tensor([1, 2]).mse([1.0, 2.0])
