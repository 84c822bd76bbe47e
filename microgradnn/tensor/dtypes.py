"""dtypes as PyTorch and NumPy agree on them: floats default to float32, ints and bools keep their kind.

* Python floats (and lists of them) become the default float dtype
  (float32 unless `set_default_dtype` says otherwise); Python ints become
  int64 and bools bool, as in PyTorch;
* a NumPy array keeps its dtype (int32 stays int32, float64 stays float64),
  and so does a NumPy scalar (`np.float64(1.0)`, as in PyTorch and NumPy) and
  any other array-like object with ``__array__`` (a torch tensor, a pandas column);
* complex numbers, strings and objects are refused with a clear error;
* only floating-point tensors can require gradients;
* mixing an integer or bool tensor with a float one computes in the float
  dtype (PyTorch's rule), so an int tensor of labels never drags float32
  arithmetic up to float64.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype"]


class _DefaultDtype(threading.local):
    dtype = np.dtype(np.float32)


_DEFAULT = _DefaultDtype()


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype that Python floats and lists become (float32 unless changed, as in PyTorch)."""
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: {d} is not a floating-point dtype; use np.float32 or np.float64")
    _DEFAULT.dtype = d


def get_default_dtype() -> np.dtype:
    """The float dtype that Python floats and lists become."""
    return _DEFAULT.dtype


def dtype_arg(op: str, dtype: Any) -> np.dtype | None:
    """A user's dtype argument, checked: None stays None; complex, string and object dtypes are refused."""
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype; use e.g. np.float32, np.float64, np.int64 or bool") from None
    if d.kind not in "biuf":
        raise TypeError(f"{op}: dtype {d} is not supported; use a float (np.float32), int (np.int64) or bool dtype")
    return d


def to_array(op: str, data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """numbers, lists and arrays -> ndarray, by the rules in this module's docstring."""
    wanted = dtype_arg(op, dtype)
    if isinstance(data, np.generic):  # np.float64(1.0) is a Python float too, but keeps its dtype, as an array does
        data = np.asarray(data)
    elif not isinstance(data, (list, tuple, np.ndarray)) and hasattr(data, "__array__"):
        data = np.asarray(data)  # a torch tensor or a pandas column is an array already: its dtype is kept too
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biuf":
            raise _bad_kind(op, data.dtype, type(data).__name__)
        if wanted is None or wanted == data.dtype:
            return data.copy() if copy else data
        return data.astype(wanted)
    try:
        arr = np.asarray(data)
    except ValueError as error:
        if not isinstance(data, (list, tuple)) or "inhomogeneous" not in str(error):
            raise
        raise ValueError(
            f"{op}: the nested lists have different lengths ({_ragged_lengths(data)}), so they make no array; "
            "give every row the same length (pad the short ones, or keep separate tensors)"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise _bad_kind(op, arr.dtype, type(data).__name__)
    if wanted is None:
        wanted = _DEFAULT.dtype if arr.dtype.kind == "f" else np.dtype(np.int64) if arr.dtype.kind in "iu" else None
    return arr if wanted is None or arr.dtype == wanted else arr.astype(wanted)


def _ragged_lengths(data: list[Any] | tuple[Any, ...]) -> str:
    """Where nested lists first differ in length, for the error: "rows of lengths 1 and 2"."""
    level = list(data)
    while level:
        lengths = [len(x) if isinstance(x, (list, tuple)) else None for x in level]
        if len(set(lengths)) > 1:
            if None in lengths:
                return "a number beside a list"
            first, other = lengths[0], next(n for n in lengths if n != lengths[0])
            return f"a row of length {first} beside one of length {other}"
        level = [y for x in level if isinstance(x, (list, tuple)) for y in x]
    return "rows of different lengths"


def _bad_kind(op: str, dtype: np.dtype, source: str) -> TypeError:
    if dtype.kind == "c":
        return TypeError(
            f"{op}: complex numbers are not supported (got dtype {dtype} from {source}); "
            "use the real part (x.real) or the magnitude (abs(x))"
        )
    return TypeError(f"{op}: data must be numbers, got an array of dtype {dtype} from {source}")
