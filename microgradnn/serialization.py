"""Saving and loading weights as `.npz` files, without pickle.

`save(model, path)` writes the model's `state_dict()` (or any dict of number
arrays) as an `.npz` archive: one `.npy` entry per parameter plus a marker
entry with the format version. `load(path)` reads it back as a dict of numpy
arrays, refusing anything it did not write: pickled data, object arrays (they
could run code when unpickled) and `.npz` files without the marker.

    microgradnn.save(model, "xor.npz")
    model.load_state_dict(microgradnn.load("xor.npz"))
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from microgradnn.engine import Node

__all__ = ["FORMAT_KEY", "FORMAT_VERSION", "load", "save"]

FORMAT_KEY = "__microgradnn_format__"
FORMAT_VERSION = 1

PathLike = str | os.PathLike[str]


def _arrays_to_save(obj: Any) -> dict[str, np.ndarray]:
    from microgradnn.nn.module import Module

    if isinstance(obj, Module):
        state: Mapping[str, Any] = obj.state_dict()
    elif isinstance(obj, Mapping):
        state = obj
    else:
        raise TypeError(f"save: expected a Module or a dict of arrays (a state_dict), got {type(obj).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
        if key == FORMAT_KEY:
            raise ValueError(f"save: the key {FORMAT_KEY!r} is reserved for the file's format marker")
        array = np.asarray(value.data if isinstance(value, Node) else value)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"save: entry {key!r} has dtype {array.dtype}; only bool, integer and float arrays can be saved "
                "(object arrays would need pickle)"
            )
        arrays[key] = array
    return arrays


def save(obj: Any, path: PathLike) -> None:
    """Write a Module's state_dict (or a dict of arrays) to `path` as a pickle-free `.npz` archive.

    The file is written next to `path` first and then renamed, so an error
    never leaves a half-written file in its place.
    """
    arrays = _arrays_to_save(obj)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
            entries = {FORMAT_KEY: np.array(FORMAT_VERSION), **arrays}
            for key, array in entries.items():
                with archive.open(f"{key}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: PathLike) -> dict[str, np.ndarray]:
    """Read a file written by `save`: a dict mapping parameter names to numpy arrays.

    Raises ValueError naming the problem for a file that is not a microgradnn
    save (not an `.npz`, no format marker, a newer format) or that holds
    object arrays; nothing is ever unpickled.
    """
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        # numpy's own message here suggests unpickling the file; we never do, so we do not pass it on.
        raise ValueError(
            f"load: {path!r} is not a file written by microgradnn.save (an .npz archive of number arrays); "
            "microgradnn never unpickles files"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {path!r} holds a single .npy array, not a state saved by microgradnn.save (an .npz archive)"
        )
    with archive:
        if FORMAT_KEY not in archive.files:
            raise ValueError(
                f"load: {path!r} is an .npz archive but not one written by microgradnn.save "
                f"(it has no {FORMAT_KEY!r} entry); its entries are {archive.files[:10]}"
            )
        state: dict[str, np.ndarray] = {}
        for key in archive.files:
            try:
                array = archive[key]
            except ValueError:
                raise ValueError(
                    f"load: entry {key!r} of {path!r} holds Python objects (dtype=object); microgradnn.load "
                    "refuses them because unpickling can run arbitrary code"
                ) from None
            if key == FORMAT_KEY:
                version = int(array) if array.shape == () and array.dtype.kind in "iu" else None
                if version is None or version > FORMAT_VERSION or version < 1:
                    raise ValueError(
                        f"load: {path!r} has format version {array!r}; this microgradnn reads versions 1 to "
                        f"{FORMAT_VERSION} (upgrade microgradnn to read newer files)"
                    )
                continue
            state[key] = array
    return state
