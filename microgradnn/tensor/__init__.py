"""The tensor engine: `Tensor` (tensor.tensor), its primitive ops with their backward (tensor.primitives),
ops composed from them (tensor.composed), fused nodes (tensor.fused), broadcasting and axis helpers
(tensor.broadcasting), dtypes (tensor.dtypes), creation functions (tensor.creation) and NumPy's protocols
(tensor.numpy_protocol)."""

from microgradnn.anomaly import detect_anomaly
from microgradnn.tensor.composed import concatenate, maximum, minimum, stack, where
from microgradnn.tensor.creation import (
    arange,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from microgradnn.tensor.dtypes import get_default_dtype, set_default_dtype
from microgradnn.tensor.tensor import Tensor, TensorFunction

cat = concatenate  # PyTorch's name

__all__ = [
    "Tensor",
    "TensorFunction",
    "arange",
    "cat",
    "concatenate",
    "detect_anomaly",
    "eye",
    "full",
    "full_like",
    "get_default_dtype",
    "maximum",
    "minimum",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "stack",
    "where",
    "zeros",
    "zeros_like",
]
