"""`Embedding`: a lookup table of learnable vectors, indexed by integer tensors (token ids, class ids).

``Embedding(10, 3)(Tensor([[1, 2], [4, 9]]))`` has shape (2, 2, 3): row i of
the weight for each id i. The lookup is an indexing op, so the gradient of a
row is the sum of the gradients of every place that id was used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradnn.nn import init
from microgradnn.nn.init import Seed
from microgradnn.nn.layers import _float_dtype
from microgradnn.nn.module import Module, Parameter
from microgradnn.tensor import Tensor, where
from microgradnn.tensor.tensor import leaf

__all__ = ["Embedding"]


class Embedding(Module):
    """weight (num_embeddings, embedding_dim) from N(0, 1) as in PyTorch; forward(ids) = weight[ids].

    padding_idx: that row starts at zero and gets no gradient (as in PyTorch).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Embedding: {name} must be a positive int, got {n!r}; e.g. Embedding(100, 8)")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
                raise TypeError(f"Embedding: padding_idx must be an int or None, got {padding_idx!r}")
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is outside [0, {num_embeddings})")
            padding_idx = int(padding_idx) % num_embeddings
        self.padding_idx = padding_idx
        dtype = _float_dtype(dtype, "Embedding")
        self.weight = Parameter(np.zeros((self.num_embeddings, self.embedding_dim), dtype=dtype), label="weight")
        self.reset_parameters(seed)

    def reset_parameters(self, seed: Seed = None) -> None:
        """Rows from N(0, 1); the padding row (if any) zero."""
        init.normal_(self.weight, 0.0, 1.0, seed=seed)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, ids: Any) -> Any:
        data = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if data.dtype.kind not in "iu":
            raise TypeError(
                f"{self!r}: ids must be an integer tensor, got dtype {data.dtype} (shape {data.shape}); "
                "use Tensor(ids) with ints, or ids.astype(np.int64)"
            )
        if data.size and (data.min() < 0 or data.max() >= self.num_embeddings):
            bad = data[(data < 0) | (data >= self.num_embeddings)].reshape(-1)[0]
            raise IndexError(
                f"{self!r}: id {int(bad)} is out of range; ids must be in [0, {self.num_embeddings}), "
                f"got ids of shape {data.shape}"
            )
        out = self.weight[leaf(data)]
        if self.padding_idx is not None and out.requires_grad:
            keep = (data != self.padding_idx)[..., None]  # the padding row gets no gradient: a constant copy there
            out = where(keep, out, leaf(out.data))
        return out

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
