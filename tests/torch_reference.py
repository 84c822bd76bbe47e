"""The check that the tensor op tests share: ours against PyTorch on the same float64 inputs.

Imported by the test modules that compare with PyTorch; it skips them when torch is not installed.
"""

import numpy as np
import pytest

from microgradnn import Tensor

torch = pytest.importorskip("torch")


def leaf(a):
    """A float64 leaf that requires grad."""
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def against_torch(ours, theirs, arrays, seed=0, *, grad=True, flush_subnormals=True, missing_grad_is_zero=True):
    """Forward values equal, and the gradients for one random upstream gradient equal, ours vs PyTorch.

    With `flush_subnormals`, subnormal numbers are flushed to 0 first: PyTorch's CPU kernels may treat them as
    zeros or divide by them, and finite differences (gradcheck, on the unflushed input) are the judge there.
    With `missing_grad_is_zero`, an input we leave at grad None counts as a zero gradient; without it, every
    input must have a gradient. `grad=False` compares the forward values only; an empty output has no gradient
    to compare when inputs are flushed.
    """
    if flush_subnormals:
        arrays = [np.where(np.abs(a) < np.finfo(np.float64).tiny, 0.0, np.asarray(a, dtype=np.float64)) for a in arrays]
    mine = [leaf(a) for a in arrays]
    refs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, ref = ours(*mine), theirs(*refs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-7, atol=1e-10)
    if not grad or (flush_subnormals and out.size == 0):
        return
    u = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(u)
    ref.backward(torch.tensor(u))
    for m, r in zip(mine, refs):
        expected = np.zeros(m.shape) if r.grad is None else r.grad.numpy()
        got = np.zeros(m.shape) if missing_grad_is_zero and m.grad is None else m.grad
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
