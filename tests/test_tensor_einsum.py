"""einsum and scaled_dot_product_attention (tensor/einsum.py): finite differences, PyTorch, second order, errors."""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import against_torch as _against_torch
from torch_reference import leaf

from microgradnn import Tensor, gradcheck
from microgradnn.gradcheck import gradgradcheck
from microgradnn.tensor import einsum, scaled_dot_product_attention
from microgradnn.testing import strategies as mst

torch = pytest.importorskip("torch")

FAST = settings(deadline=None, max_examples=15)

# Compared on the inputs as drawn (no flushing of subnormal numbers), as these tests always were.
against_torch = functools.partial(_against_torch, flush_subnormals=False, missing_grad_is_zero=False)


# Subscripts covering products, traces and diagonals (repeated letters), sums (letters only one operand has),
# outer products, implicit outputs, ellipses with broadcasting, and three operands.
SPECS = [
    "ij,jk->ik",
    "ij,jk",
    "ij,kj->ik",
    "ii->i",
    "ii",
    "iij->j",
    "ij->",
    "ij->j",
    "ji",
    "i,i->",
    "i,j->ij",
    "bij,bjk->bik",
    "...ij,...jk->...ik",
    "...i,...i->...",
    "i...->...",
    "ij,jk,kl->il",
    "ab,bc,ca->",
    "iI,Ij->ij",
]


@st.composite
def einsum_operands(draw, spec):
    lhs = spec.split("->")[0].split(",")
    sizes = {c: draw(st.integers(2 if c.lower() == "i" else 1, 3)) for c in sorted(set("".join(lhs).replace(".", "")))}
    batch = draw(mst.shapes(min_dims=0, max_dims=2, max_side=3), label="batch")
    shapes = []
    for term in lhs:
        named = [sizes[c] for c in term.replace("...", "")]
        if "..." in term:  # each operand's batch axes broadcast: some drop axes or have size 1
            own = batch[draw(st.integers(0, len(batch))) :]
            own = tuple(1 if draw(st.booleans()) else n for n in own)
            pos = term.index("...")
            named = named[:pos] + list(own) + named[pos:]
        shapes.append(tuple(named))
    return [draw(mst.arrays(s), label=f"operand {i}") for i, s in enumerate(shapes)]


@pytest.mark.parametrize("spec", SPECS)
@settings(deadline=None, max_examples=6)
@given(data=st.data())
def test_einsum_matches_finite_differences_and_torch(spec, data):
    arrays = data.draw(einsum_operands(spec), label="operands")
    gradcheck(lambda *ts: einsum(spec, *ts), [leaf(a) for a in arrays])
    against_torch(lambda *ts: einsum(spec, *ts), lambda *ts: torch.einsum(spec, *ts), arrays)
    # The same products, perhaps in another order: below the smallest normal float the order can move a result by a
    # subnormal step (2 * 1.5 * 5e-324 is 2e-323 one way, 1.5e-323 the other), hence the atol of the smallest normal.
    np.testing.assert_allclose(
        einsum(spec, *[leaf(a) for a in arrays]).data, np.einsum(spec, *arrays), atol=np.finfo(np.float64).tiny
    )


def test_einsum_second_derivatives_and_mixed_operands():
    a, b = leaf(np.arange(6.0).reshape(2, 3) / 5), leaf(np.arange(12.0).reshape(3, 4) / 7 - 0.5)
    for spec in ("ij,jk->ik", "ij,jk->", "ij,jk->jk"):
        gradgradcheck(lambda x, y, s=spec: einsum(s, x, y) * einsum(s, x, y), [a, b])
    gradgradcheck(lambda x: einsum("ii->i", x) ** 2, [leaf(np.arange(9.0).reshape(3, 3) / 4)])
    # a NumPy operand is a constant; the method spelling is tinygrad's static Tensor.einsum
    out = Tensor.einsum("ij,j->i", a, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(out.data, a.data @ np.array([1.0, 2.0, 3.0]))
    out.sum().backward()
    np.testing.assert_allclose(a.grad, np.broadcast_to([1.0, 2.0, 3.0], (2, 3)))


def test_einsum_errors_name_the_subscripts_and_shapes():
    a, b = leaf(np.zeros((2, 3))), leaf(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"einsum: letter 'j' has size 3 in operand 0 but 4 in operand 1"):
        einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match="names 2 operands but 1 were given"):
        einsum("ij,jk", a)
    with pytest.raises(ValueError, match=r"subscripts 'ijk' name 3 axes but the operand has shape \(2, 3\)"):
        einsum("ijk->i", a)
    with pytest.raises(ValueError, match="invalid subscript characters"):
        einsum("i1->i", a)
    with pytest.raises(ValueError, match="output letter 'z'"):
        einsum("ij->z", a)
    with pytest.raises(
        ValueError, match=r"repeated letter 'i' of operand 0 \('ii'\) needs equal sizes, got shape \(2, 3\)"
    ):
        einsum("ii->i", a)
    with pytest.raises(TypeError, match="the first argument is the subscripts string"):
        einsum(a, b)
    with pytest.raises(ValueError, match=r"write '\.\.\.' in the output too"):
        einsum("...i->i", leaf(np.zeros((2, 3))))


# ------------------------------------------------------------------ attention
@st.composite
def attention_case(draw):
    batch = draw(mst.shapes(min_dims=0, max_dims=2, max_side=2), label="batch")
    L, S, E, Ev = (draw(st.integers(1, 3)) for _ in range(4))
    q = draw(mst.arrays((*batch, L, E)), label="q")
    k = draw(mst.arrays((*batch, S, E)), label="k")
    v = draw(mst.arrays((*batch, S, Ev)), label="v")
    kind = draw(st.sampled_from(["none", "bool", "float", "causal", "scale"]), label="mask")
    kw = {}
    if kind == "bool":  # each row keeps its first key, so no row is fully masked
        keep = np.array(draw(st.lists(st.booleans(), min_size=L * S, max_size=L * S))).reshape(L, S)
        keep[:, 0] = True
        kw["attn_mask"] = keep
    elif kind == "float":
        kw["attn_mask"] = draw(mst.arrays((L, S)))
    elif kind == "causal":
        kw["is_causal"] = True
    elif kind == "scale":
        kw["scale"] = draw(st.floats(0.1, 2.0))
    return q, k, v, kw


@FAST
@given(attention_case())
def test_attention_matches_finite_differences_and_torch(case):
    q, k, v, kw = case
    gradcheck(lambda a, b, c: scaled_dot_product_attention(a, b, c, **kw), [leaf(q), leaf(k), leaf(v)])
    torch_kw = {n: torch.tensor(x) if isinstance(x, np.ndarray) else x for n, x in kw.items()}
    against_torch(
        lambda a, b, c: a.scaled_dot_product_attention(b, c, **kw),
        lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c, **torch_kw),
        [q, k, v],
    )


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_a_fully_masked_row_attends_to_nothing_as_in_torch(kind):
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    keep = np.ones((3, 5), bool)
    keep[1] = False  # the second query may look at no key
    mask = keep if kind == "bool" else np.where(keep, 0.0, -np.inf)
    out = scaled_dot_product_attention(leaf(q), leaf(k), leaf(v), attn_mask=mask)
    assert np.all(out.data[1] == 0) and np.all(np.isfinite(out.data))
    against_torch(
        lambda a, b, c: a.scaled_dot_product_attention(b, c, attn_mask=mask),
        lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c, attn_mask=torch.tensor(mask)),
        [q, k, v],
    )
    gradcheck(lambda a, b, c: scaled_dot_product_attention(a, b, c, attn_mask=mask), [leaf(q), leaf(k), leaf(v)])


def test_attention_dropout_and_errors():
    q = leaf(np.ones((2, 3, 4)))
    out = scaled_dot_product_attention(q, q, leaf(np.ones((2, 3, 5))), dropout_p=0.5)
    assert out.shape == (2, 3, 5)  # kept weights are scaled by 1 / (1 - p): each entry is 0, 2/3, 4/3 or 2
    assert set(np.round(out.data.ravel() * 3).tolist()) <= {0.0, 2.0, 4.0, 6.0}
    with pytest.raises(ValueError, match=r"query .* and key .* must share the last axis"):
        scaled_dot_product_attention(q, leaf(np.ones((2, 3, 2))), q)
    with pytest.raises(ValueError, match=r"key .* and value .* must share axis -2"):
        scaled_dot_product_attention(q, q, leaf(np.ones((2, 4, 4))))
    with pytest.raises(ValueError, match="attn_mask of shape \\(5, 5\\) does not broadcast"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((5, 5), bool))
    with pytest.raises(ValueError, match="give attn_mask or is_causal=True, not both"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match="dropout_p must be in"):
        scaled_dot_product_attention(q, q, q, dropout_p=1.0)
