"""The PyTorch bridge keeps what a plain copy of the layers would lose, or refuses it with a clear error.

A module used twice stays one shared module, frozen parameters stay frozen, options and subclasses the
other side cannot express are refused, and wrong arguments get errors that say what to pass instead.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from microgradnn import Tensor, nn  # noqa: E402
from microgradnn.interop import compare_with_torch, from_torch, to_torch  # noqa: E402


def _x(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


# ----------------------------------------------------------------------------- 1. shared modules
def test_from_torch_keeps_a_module_used_twice_as_one_shared_module():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 3, dtype=torch.float64)
    theirs = torch.nn.Sequential(lin, torch.nn.Tanh(), lin)
    ours = from_torch(theirs)
    assert len(ours) == 3
    assert ours[0] is ours[2]
    assert len(ours.parameters()) == 2
    x = _x(4, 3)
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).sum().backward()
    xo = Tensor(x, requires_grad=True)
    ours(xo).sum().backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours[0].weight.grad, lin.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_to_torch_keeps_a_module_used_twice_as_one_shared_module():
    shared = nn.Linear(3, 3, seed=0, dtype=np.float64)
    ours = nn.Sequential(shared, nn.Tanh(), shared)
    theirs = to_torch(ours)
    assert len(theirs) == 3
    assert theirs[0] is theirs[2]
    assert len(list(theirs.parameters())) == 2
    comparison = compare_with_torch(ours, _x(4, 3))
    assert comparison.ok, str(comparison)


def test_a_shared_module_in_two_nested_sequentials_stays_shared():
    lin = torch.nn.Linear(2, 2)
    theirs = torch.nn.Sequential(torch.nn.Sequential(lin, torch.nn.ReLU()), torch.nn.Sequential(lin))
    ours = from_torch(theirs)
    assert ours[0][0] is ours[1][0]
    back = to_torch(ours)
    assert back[0][0] is back[1][0]


# ----------------------------------------------------------------------------- 2. frozen parameters
def test_to_torch_keeps_frozen_parameters_frozen():
    layer = nn.Linear(2, 3, seed=0)
    layer.weight.requires_grad_(False)
    theirs = to_torch(layer)
    assert theirs.weight.requires_grad is False
    assert theirs.bias.requires_grad is True
    model = nn.Sequential(nn.Linear(2, 3, seed=1), nn.ReLU(), nn.Linear(3, 1, seed=2))
    model[0].requires_grad_(False)
    assert [p.requires_grad for p in to_torch(model).parameters()] == [False, False, True, True]


def test_from_torch_keeps_frozen_parameters_frozen():
    theirs = torch.nn.Linear(2, 3, dtype=torch.float64)
    theirs.weight.requires_grad_(False)
    ours = from_torch(theirs)
    assert ours.weight.requires_grad is False
    assert ours.bias.requires_grad is True
    assert len(ours.parameters()) == 2  # still registered, as after requires_grad_(False)
    x = Tensor(_x(4, 2))
    ours(x).sum().backward()
    assert ours.weight.grad is None
    conv = torch.nn.Conv2d(1, 2, 3)
    conv.requires_grad_(False)
    assert [p.requires_grad for p in from_torch(conv).parameters()] == [False, False]


# ----------------------------------------------------------------------------- 3. options that would be dropped
@pytest.mark.parametrize(
    ("module", "option"),
    [
        (lambda: torch.nn.Embedding(5, 3, max_norm=1.0), "max_norm"),
        (lambda: torch.nn.Embedding(5, 3, scale_grad_by_freq=True), "scale_grad_by_freq"),
    ],
)
def test_from_torch_refuses_embedding_options_it_cannot_keep(module, option):
    with pytest.raises(ValueError, match=rf"from_torch: torch.nn.Embedding\({option}=.*microgradnn's Embedding"):
        from_torch(module())


def test_embedding_options_that_change_nothing_still_convert():
    theirs = torch.nn.Embedding(5, 3, padding_idx=0, sparse=True, dtype=torch.float64)
    ours = from_torch(theirs)
    ids = np.array([[0, 1, 4]])
    np.testing.assert_allclose(ours(Tensor(ids)).data, theirs(torch.tensor(ids)).detach().numpy())


# ----------------------------------------------------------------------------- 4. subclasses with their own forward
class _DoubledLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 2


class _TorchDoubledLinear(torch.nn.Linear):
    def forward(self, x):
        return super().forward(x) * 2


class _NamedSequential(nn.Sequential):
    """A subclass that keeps Sequential's forward: it converts as a Sequential."""


def test_to_torch_refuses_a_subclass_with_its_own_forward():
    with pytest.raises(TypeError, match=r"to_torch: _DoubledLinear overrides Linear's forward"):
        to_torch(_DoubledLinear(2, 2))
    with pytest.raises(TypeError, match=r"_DoubledLinear overrides"):
        to_torch(nn.Sequential(nn.ReLU(), _DoubledLinear(2, 2)))


def test_from_torch_refuses_a_subclass_with_its_own_forward():
    with pytest.raises(TypeError, match=r"from_torch: _TorchDoubledLinear overrides torch.nn.Linear's forward"):
        from_torch(_TorchDoubledLinear(2, 2))


def test_subclasses_that_keep_the_forward_still_convert():
    model = _NamedSequential(nn.Linear(2, 2, seed=0, dtype=np.float64), nn.Tanh())
    assert compare_with_torch(model, _x(3, 2)).ok
    lenet = nn.LeNet(seed=0, dtype=np.float64)
    assert compare_with_torch(lenet, _x(2, 1, 8, 8)).ok


# ----------------------------------------------------------------------------- 5. clearer errors
@pytest.mark.parametrize(
    "module",
    [
        lambda: torch.nn.Linear(2, 2),
        lambda: torch.nn.Embedding(4, 2),
        lambda: torch.nn.LayerNorm(3),
        lambda: torch.nn.GroupNorm(1, 2),
        lambda: torch.nn.Sequential(torch.nn.Linear(2, 2)),
    ],
)
def test_from_torch_names_the_fix_for_a_bfloat16_module(module):
    with pytest.raises(TypeError, match=r"from_torch: weights of dtype torch.bfloat16 .*\.float\(\) or \.double\(\)"):
        from_torch(module().to(torch.bfloat16))


def test_from_torch_of_a_tensor_says_it_is_a_tensor():
    with pytest.raises(TypeError, match=r"from_torch: got a torch.Tensor, not a module.*Tensor\(t.detach\(\)"):
        from_torch(torch.ones(2))


def test_compare_with_torch_says_the_function_must_return_a_tensor():
    with pytest.raises(TypeError, match=r"compare_with_torch: fn must return a Tensor.*returned a float"):
        compare_with_torch(lambda x: 1.0, [1.0])


def test_compare_with_torch_leaves_the_model_s_running_statistics_as_they_were():
    pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.BatchNorm1d(4))  # in training mode: a forward moves them
    before = (model[1].running_mean.copy(), model[1].running_var.copy(), model[1].num_batches_tracked)
    assert compare_with_torch(model, np.random.default_rng(0).normal(size=(8, 2))).ok
    assert np.array_equal(model[1].running_mean, before[0]) and np.array_equal(model[1].running_var, before[1])
    assert model[1].num_batches_tracked == before[2]


@pytest.mark.parametrize(
    "array",
    [
        np.ones((2, 3)),
        np.zeros((0, 3), np.float32),
        np.array(5.0),
        np.array([1, 2], np.int64),
        np.array([True, False]),
        np.arange(12.0).reshape(3, 4)[:, ::2],
    ],
    ids=["2-d", "empty", "0-d", "int", "bool", "strided"],
)
def test_torch_tensor_of_our_tensor_has_its_shape_dtype_and_values(array):
    ours = Tensor(array)
    theirs = torch.tensor(ours)  # through DLPack (it walked the elements, and failed or got the shape wrong)
    assert tuple(theirs.shape) == ours.shape and str(theirs.dtype) == f"torch.{ours.dtype}"
    np.testing.assert_array_equal(theirs.numpy(), ours.data)


def test_from_dlpack_shares_the_data_as_numpy_does():
    ours = Tensor(np.ones(3))
    torch.from_dlpack(ours)[0] = 7.0
    assert ours.data.tolist() == [7.0, 1.0, 1.0]
