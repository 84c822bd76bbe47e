"""einsum and scaled dot-product attention.

`einsum` is one Function: the forward is `np.einsum`; the gradient of
operand k is again an einsum, of the output gradient with the other operands,
written into operand k's subscripts. Two details make that exact:

* a letter repeated in operand k ("ii->i", a diagonal) only touches the
  diagonal, so the gradient einsum multiplies by an identity matrix that
  puts it there;
* a letter that only operand k has ("ij->i", j summed away) gets a vector
  of ones, so the gradient is spread over that axis; so does a letter of size
  1 everywhere else, broadcast against operand k's size ("ij,j->i" with b of
  shape (1,)). Where operand k has size 1 and another operand more, the
  gradient einsum keeps the larger size and the engine sums it back to 1.

Ellipses are expanded into letters first, so broadcasting batch axes works
as in NumPy (the engine sums gradients back over axes of size 1).

`scaled_dot_product_attention` is a composition (matmul, where/add, softmax,
matmul), as in PyTorch's reference definition.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor import composed as C
from microgradnn.tensor.creation import default_generator
from microgradnn.tensor.dtypes import get_default_dtype
from microgradnn.tensor.tensor import Tensor, TensorFunction, common_dtype, leaf, operand

__all__ = ["Einsum", "einsum", "scaled_dot_product_attention"]


class Einsum(TensorFunction):
    """f = einsum(inputs -> output);  dL/d(operand k) = einsum(grad, the other operands -> operand k's letters),
    with an identity for each repeated letter and ones for each letter only operand k has."""

    name = "einsum"

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, inputs: tuple[str, ...], output: str) -> np.ndarray:
        ctx.inputs, ctx.output = inputs, output
        ctx.shapes = tuple(a.shape for a in arrays)
        ctx.save_for_backward(*arrays)
        spec = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        operands = ctx.saved_values
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            grads.append(_operand_grad(ctx, operands, grad, k) if need else None)
        return tuple(grads)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "einsum " + ",".join(ctx.inputs) + "->" + ctx.output


def _operand_grad(ctx: Context, operands: Sequence[Any], grad: Any, k: int) -> Any:
    inputs, output = ctx.inputs, ctx.output
    used = set("".join(inputs) + output)
    fresh = iter(c for c in string.ascii_letters if c not in used)
    shape = ctx.shapes[k]
    terms = [output] + [s for i, s in enumerate(inputs) if i != k]
    ops = [grad] + [o for i, o in enumerate(operands) if i != k]
    target, seen = [], set()
    elsewhere: dict[str, int] = {}  # each letter's largest size in the other terms
    for term, o in zip(terms, ops):
        for letter, n in zip(term, o.shape):
            elsewhere[letter] = max(n, elsewhere.get(letter, n))
    dtype = _dtype(grad)
    for letter, size in zip(inputs[k], shape):
        if letter in seen:  # a repeated letter: an identity puts the gradient on the diagonal
            new = next(fresh)
            terms.append(letter + new)
            ops.append(np.eye(size, dtype=dtype))
            target.append(new)
            continue
        seen.add(letter)
        # Summed away in the forward pass, or of size 1 wherever else it appears (broadcast against operand k's
        # size, as "ij,j->i" with j of size 1 in the second operand): the gradient spreads over that axis.
        if elsewhere.get(letter, 1) == 1 and (letter not in elsewhere or size != 1):
            terms.append(letter)
            ops.append(np.ones(size, dtype=dtype))
            elsewhere[letter] = size
        target.append(letter)
    spec = ",".join(terms) + "->" + "".join(target)
    if any(isinstance(o, Tensor) for o in ops):
        tensors = [o if isinstance(o, Tensor) else leaf(np.asarray(o)) for o in ops]
        return Einsum.apply(*tensors, inputs=tuple(terms), output="".join(target))
    return np.einsum(spec, *ops, optimize=len(ops) > 2)


def _dtype(x: Any) -> np.dtype:
    return x.data.dtype if isinstance(x, Tensor) else np.asarray(x).dtype


def _parse(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[tuple[str, ...], str]:
    """The subscripts with every '...' replaced by letters, and the output made explicit (NumPy's rules)."""
    spec = subscripts.replace(" ", "")
    explicit = "->" in spec
    lhs, _, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands but {len(shapes)} were given")
    allowed = set(string.ascii_letters)
    for term in [*terms, rhs]:
        rest = term.replace("...", "", 1)
        bad = sorted(set(rest) - allowed)
        if bad:
            raise ValueError(f"einsum: {subscripts!r} has invalid subscript characters {bad}; use letters and '...'")
    letters_used = set(lhs + rhs)
    spare = [c for c in string.ascii_letters if c not in letters_used]
    n_ellipsis = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            n_ellipsis = max(n_ellipsis, len(shape) - named)
            if len(shape) < named:
                raise ValueError(f"einsum: operand {term!r} names {named} axes but has shape {shape}")
        elif named != len(shape):
            raise ValueError(
                f"einsum: subscripts {term!r} name {named} axes but the operand has shape {shape} "
                f"({len(shape)} axes); use '...' for axes you do not name"
            )
    batch = "".join(spare[:n_ellipsis])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            e = len(shape) - len(term.replace("...", ""))
            term = term.replace("...", batch[n_ellipsis - e :] if e else "")
        expanded.append(term)
    if explicit:
        if "..." not in rhs and n_ellipsis:
            raise ValueError(
                f"einsum: the operands of {subscripts!r} have axes under '...' but the output names none; "
                "write '...' in the output too (or sum those axes afterwards)"
            )
        out = rhs.replace("...", batch)
        for c in out:
            if c not in "".join(expanded):
                raise ValueError(f"einsum: output letter {c!r} of {subscripts!r} appears in no operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: the output {rhs!r} of {subscripts!r} repeats a letter")
    else:
        joined = "".join(t.replace("...", "") for t in terms)
        out = batch + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    sizes: dict[str, tuple[int, int]] = {}
    for i, (term, shape) in enumerate(zip(expanded, shapes)):
        for c in set(term):
            own = {n for d, n in zip(term, shape) if d == c}
            if len(own) > 1:
                raise ValueError(
                    f"einsum: the repeated letter {c!r} of operand {i} ({terms[i]!r}) needs equal sizes, "
                    f"got shape {shape}"
                )
        for c, n in zip(term, shape):
            if c in sizes and n != sizes[c][0] and 1 not in (n, sizes[c][0]):
                raise ValueError(
                    f"einsum: letter {c!r} has size {sizes[c][0]} in operand {sizes[c][1]} but {n} in operand {i} "
                    f"({subscripts!r}, shapes {shapes})"
                )
            if c not in sizes or sizes[c][0] == 1:
                sizes[c] = (n, i)
    return tuple(expanded), out


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation, as np.einsum / torch.einsum ('ij,jk->ik' is a matrix product), with its gradient."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the first argument is the subscripts string (e.g. 'ij,jk->ik'), got {subscripts!r}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: give at least one operand")
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    like = leaf(np.zeros((), get_default_dtype())) if like is None else like
    tensors = [operand(o, like, "einsum") for o in operands]
    kinds = {t.dtype for t in tensors}
    if len(kinds) > 1:
        target = common_dtype(kinds)  # as for a * b: an int operand meets a float32 one in float32
        tensors = [t if t.dtype == target else C.astype(t, target) for t in tensors]
    inputs, output = _parse(subscripts, [t.shape for t in tensors])
    return Einsum.apply(*tensors, inputs=inputs, output=output)


# ------------------------------------------------------------------ attention
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(Q K^T * scale + mask) V, as torch.nn.functional.scaled_dot_product_attention.

    scale defaults to 1/sqrt(E) (E = query.shape[-1]). A boolean attn_mask keeps the positions where it is True
    (the others get -inf); a float mask is added to the scores; is_causal keeps the lower triangle. A row with
    every position masked attends to nothing: its output is 0 and it sends no gradient, as in PyTorch (where a
    plain softmax of it would be NaN).
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must be a Tensor of shape (..., L, E)")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"scaled_dot_product_attention: query {query.shape} and key {key.shape} must share the last axis (E)"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key {key.shape} and value {value.shape} must share axis -2 (S)"
        )
    p = C.number("scaled_dot_product_attention", "dropout_p", dropout_p)
    if not 0 <= p < 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1), got {dropout_p}")
    s = 1 / math.sqrt(query.shape[-1]) if scale is None else C.number("scaled_dot_product_attention", "scale", scale)
    scores = (query @ key.swapaxes(-1, -2)) * s
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, not both")
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    if attn_mask is not None:
        m = attn_mask if isinstance(attn_mask, Tensor) else leaf(np.asarray(attn_mask))
        try:
            np.broadcast_shapes(m.shape, scores.shape)
        except ValueError:
            raise ValueError(
                f"scaled_dot_product_attention: attn_mask of shape {m.shape} does not broadcast to the scores' "
                f"shape {scores.shape} (..., L, S)"
            ) from None
        scores = C.where(m.data, scores, -np.inf) if m.dtype == bool else scores + m
    masked = np.all(scores.data == -np.inf, axis=-1, keepdims=True)  # every position of the row masked
    if masked.any():
        # PyTorch's rule: such a row's weights are 0, not softmax's NaN. Its scores become 0 before the softmax
        # too, so its backward multiplies by finite weights and sends 0 instead of NaN to the query and keys.
        weights = C.where(masked, 0.0, C.where(masked, 0.0, scores).softmax(axis=-1))
    else:
        weights = scores.softmax(axis=-1)
    if p > 0:
        keep = default_generator().random(weights.shape) >= p
        weights = weights * (keep / (1 - p)).astype(weights.dtype)
    return weights @ value
