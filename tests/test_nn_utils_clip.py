"""Gradient clipping (`nn.utils.clip_grad_norm_`, `clip_grad_value_`): PyTorch's numbers, on both engines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_pytorch_spellings import _assert_same_weights, _backward, _model, _step_both, _torch_backward, _torch_copy

from microgradnn import Tensor, Value, nn, optim


def _grads_both(scale: float = 1.0):
    """Our model and its torch twin after the same backward, gradients times `scale`."""
    model = _model()
    torch, twin = _torch_copy(model)
    _backward(model)
    _torch_backward(torch, twin)
    for p, q in zip(model.parameters(), twin.parameters()):
        p.grad *= scale
        q.grad *= scale
    return model, torch, twin


def _assert_same_grads(model, twin) -> None:
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_scales_like_torch_and_returns_the_norm_before(norm_type, max_norm) -> None:
    model, torch, twin = _grads_both()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(twin.parameters(), max_norm, norm_type=norm_type)
    assert total == pytest.approx(t_total.item(), rel=1e-5) and total.item() == pytest.approx(float(total))
    _assert_same_grads(model, twin)
    assert all(p.grad.dtype == np.float32 for p in model.parameters())  # in place, same dtype
    after = nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=norm_type)
    assert after == pytest.approx(min(float(total), max_norm), rel=1e-5)  # now at most max_norm


def test_clipped_gradients_train_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    t_opt = torch.optim.SGD(twin.parameters(), lr=0.5, momentum=0.9)
    clip = (
        lambda m: nn.utils.clip_grad_norm_(m.parameters(), 0.1),
        lambda t: torch.nn.utils.clip_grad_norm_(t.parameters(), 0.1),
    )
    for _ in range(3):
        _step_both(model, opt, torch, twin, t_opt, between=clip)
    _assert_same_weights(model, twin)


def test_clip_grad_norm_of_values_is_the_norm_of_one_long_vector() -> None:
    a, b, frozen = Value(1.0), Value(2.0), Tensor([1.0])  # frozen: grad None, left out
    a.grad, b.grad = 3.0, 4.0
    total = nn.utils.clip_grad_norm_([a, b, frozen], max_norm=1.0)
    assert total == 5.0
    assert (a.grad, b.grad) == pytest.approx((3.0 / (5 + 1e-6), 4.0 / (5 + 1e-6)))
    assert isinstance(a.grad, float) and frozen.grad is None
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)  # a single parameter, as PyTorch takes it
    w.grad = np.array([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(w, 10.0) == 5.0 and np.array_equal(w.grad, [3.0, 4.0])  # shorter: unchanged
    assert nn.utils.clip_grad_norm_([Tensor([1.0])], 1.0) == 0.0  # no gradients at all


def test_a_nonfinite_norm_turns_the_gradients_nan_or_raises_changing_nothing() -> None:
    model, torch, twin = _grads_both()
    for p, q in zip(model.parameters(), twin.parameters()):
        p.grad.flat[0] = np.inf
        q.grad.view(-1)[0] = math.inf
    before = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=r"total norm of the gradients is inf .*error_if_nonfinite=False"):
        nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), before))
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    torch.nn.utils.clip_grad_norm_(twin.parameters(), 1.0)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(np.isnan(p.grad), np.isnan(q.grad.numpy()))  # inf * 0 = nan, as torch
    v = Value(1.0)
    v.grad = math.nan
    assert math.isnan(nn.utils.clip_grad_norm_([v], 1.0)) and math.isnan(v.grad)


@pytest.mark.parametrize("clip_value", [0.05, 10.0])
def test_clip_grad_value_clamps_like_torch(clip_value) -> None:
    model, torch, twin = _grads_both(scale=3.0)
    assert nn.utils.clip_grad_value_(model.parameters(), clip_value) is None
    torch.nn.utils.clip_grad_value_(twin.parameters(), clip_value)
    _assert_same_grads(model, twin)
    v, n = Value(0.0), Value(0.0)
    v.grad, n.grad = -3.0, math.nan
    nn.utils.clip_grad_value_([v, n], 1.0)
    assert v.grad == -1.0 and math.isnan(n.grad)
    z = Tensor(np.float32(0.0), requires_grad=True)
    z.grad = np.float32(5.0)  # a 0-d parameter's gradient can be a NumPy scalar
    nn.utils.clip_grad_value_([z], 1.0)
    assert z.grad == 1.0


def test_bad_clipping_arguments_say_what_to_pass() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    w.grad = np.ones(2)
    for call, error, message in [
        (lambda: nn.utils.clip_grad_norm_([w], -1.0), ValueError, "clip_grad_norm_: max_norm must be a number >= 0"),
        (lambda: nn.utils.clip_grad_norm_([w], math.nan), ValueError, "max_norm must be a number >= 0, got nan"),
        (lambda: nn.utils.clip_grad_norm_([w], 1.0, norm_type=0), ValueError, "norm_type must be a number > 0"),
        (lambda: nn.utils.clip_grad_norm_([w], "1"), ValueError, "max_norm must be a number"),
        (lambda: nn.utils.clip_grad_value_([w], -0.5), ValueError, "clip_value must be a number >= 0"),
        (lambda: nn.utils.clip_grad_norm_([1.0], 1.0), TypeError, "parameter 0 is a float, not a Value or a Tensor"),
    ]:
        with pytest.raises(error, match=message):
            call()
    assert np.array_equal(w.grad, np.ones(2))
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    with pytest.raises(TypeError, match="gradient is a graph node"):
        nn.utils.clip_grad_norm_([x], 1.0)
