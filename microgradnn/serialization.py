"""Saving and loading weights and checkpoints as `.npz` files, without pickle, within limits.

`save(obj, path)` writes a Module's `state_dict()`, an optimizer's or a
scheduler's `state_dict()`, or a (nested) dict of arrays, numbers and strings
as an `.npz` archive: one `.npy` entry per array, plus a marker entry with the
format version. `load(path)` reads it back, refusing anything it did not
write: pickled data, object arrays (they could run code when unpickled),
members that are not `.npy` arrays, and files past its size limits.

    microgradnn.save(model, "xor.npz")
    model.load_state_dict(microgradnn.load("xor.npz"))

    # a checkpoint: nested dicts of arrays, numbers and strings
    microgradnn.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                      "scheduler": sched.state_dict(), "epoch": 7}, "ckpt.npz")

The format (documented in docs/guides/checkpoints.md): a zip archive of
`.npy` members. A nested key path ``a -> b -> c`` is the member ``a/b/c.npy``.
Format 1 holds only arrays and is what a flat dict of arrays gives; format 2
adds the member ``__microgradnn_types__.npy``, a 1-d string array telling
which entries are Python numbers, strings, None, lists or empty dicts.

`load` never reads more than its limits allow (`max_bytes`, `max_elements`,
`max_header`, `max_members`; see `DEFAULT_LIMITS`): every member's `.npy`
header is read and checked first, and only when the whole file fits is any
array allocated.
"""

from __future__ import annotations

import ast
import math
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from microgradnn.engine import Node

__all__ = ["DEFAULT_LIMITS", "FORMAT_KEY", "FORMAT_VERSION", "TYPES_KEY", "LoadError", "load", "save"]

FORMAT_KEY = "__microgradnn_format__"
TYPES_KEY = "__microgradnn_types__"
FORMAT_VERSION = 2
SEPARATOR = "/"

# What load() accepts by default; each is a keyword argument of load().
DEFAULT_LIMITS: dict[str, int] = {
    "max_bytes": 1 << 30,  # 1 GiB: the sum of every member's uncompressed size
    "max_elements": 1 << 28,  # 268 million numbers over all arrays together
    "max_header": 1 << 16,  # 64 KiB for one .npy header (numpy writes about 128 bytes)
    "max_members": 100_000,  # entries in the archive
}

_NPY_MAGIC = b"\x93NUMPY"
_KINDS = "biufU"  # bool, int, unsigned, float, unicode string: what needs no pickle
_KINDS_RECORDED = ("array", "int", "float", "bool", "str", "none", "dict", "list")
_SCALAR_DTYPES = {"int": "iu", "float": "f", "bool": "b", "str": "U"}  # the dtype kinds save writes for each

PathLike = str | os.PathLike[str]


class LoadError(ValueError):
    """A file `load` refuses: not written by `save`, damaged, or past a limit. The message names the file
    and the member at fault."""


# ----------------------------------------------------------------------- save
def _path(path: Any, who: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{who}: path must be a file name (str or pathlib.Path), got {type(path).__name__} ({path!r}); "
            "e.g. 'model.npz'"
        )
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{who}: path is empty; give a file name, e.g. 'model.npz'")
    return path


def _state_of(obj: Any) -> Any:
    """What gets saved for obj: its state_dict() for a Module, an optimizer or a scheduler; a dict as it is."""
    if isinstance(obj, Mapping):
        return obj
    state_dict = getattr(obj, "state_dict", None)
    if callable(state_dict) and not isinstance(obj, type):
        return state_dict()
    raise TypeError(
        f"save: expected a Module or a dict of arrays (a state_dict), or an optimizer or a scheduler, "
        f"got {type(obj).__name__}"
    )


def _flatten(obj: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Member name (without .npy) -> array, and the "kind:path" records of entries that are not plain arrays."""
    arrays: dict[str, np.ndarray] = {}
    kinds: list[str] = []
    # Each entry carries the ids of the dicts and lists it sits in, so one that contains itself is refused
    # instead of being walked forever (the same dict under two keys is fine: it is saved twice).
    stack: list[tuple[str, Any, frozenset[int]]] = [("", obj, frozenset())]
    alive: list[Any] = []
    while stack:
        path, value, outer = stack.pop()
        where = repr(path) if path else "the top level"
        state_dict = getattr(value, "state_dict", None)
        if path and callable(state_dict) and not isinstance(value, type):
            value = state_dict()  # a Module, optimizer or scheduler inside a checkpoint: its state
        if id(value) in outer:
            raise ValueError(f"save: entry {path!r} contains itself (a dict or list inside itself cannot be saved)")
        inner = outer
        if isinstance(value, (Mapping, list, tuple)):
            inner = outer | {id(value)}
            alive.append(value)  # a state_dict() made here must outlive the walk, or its id could be reused
        if isinstance(value, Mapping):
            if path and not value:
                kinds.append(f"dict:{path}")
            items = []
            for key in value:
                if not isinstance(key, str) or not key:
                    raise TypeError(f"save: keys must be non-empty strings, got {key!r} in {where}; e.g. 'weight'")
                if SEPARATOR in key or "\x00" in key:
                    raise ValueError(
                        f"save: key {key!r} in {where} contains {SEPARATOR!r} or a NUL character; {SEPARATOR!r} "
                        "separates nested keys in the file, so nest a dict instead"
                    )
                if key in (FORMAT_KEY, TYPES_KEY) and not path:
                    raise ValueError(f"save: the key {key!r} is reserved for the file's format marker")
                items.append((f"{path}{SEPARATOR}{key}" if path else key, value[key], inner))
            stack.extend(reversed(items))
        elif not path:
            raise TypeError(f"save: expected a dict at the top level, got {type(value).__name__}")
        elif isinstance(value, (list, tuple)):
            kinds.append(f"list:{path}")
            if not value:
                continue
            stack.extend(reversed([(f"{path}{SEPARATOR}{i}", v, inner) for i, v in enumerate(value)]))
        elif value is None:
            kinds.append(f"none:{path}")
        elif isinstance(value, bool):
            kinds.append(f"bool:{path}")
            arrays[path] = np.array(value)
        elif isinstance(value, int):
            if not -(2**63) <= value < 2**63:
                raise OverflowError(f"save: entry {path!r} is the int {value}, outside int64; store it as a string")
            kinds.append(f"int:{path}")
            arrays[path] = np.array(value, dtype=np.int64)
        elif isinstance(value, float):
            kinds.append(f"float:{path}")
            arrays[path] = np.array(value, dtype=np.float64)
        elif isinstance(value, str):
            kinds.append(f"str:{path}")
            # NumPy's fixed-width text drops trailing NULs ("a\x00" reads back as "a"); such a string is kept as
            # its code points instead.
            arrays[path] = np.array(value) if not value.endswith("\x00") else _code_points(value)
        else:
            if isinstance(value, np.ma.MaskedArray):  # np.asarray would drop the mask without a word
                raise TypeError(
                    f"save: entry {path!r} is a masked array, whose mask would be lost; save its parts as two "
                    "entries, e.g. {'x': m.data, 'x_mask': np.ma.getmaskarray(m)}"
                )
            array = np.asarray(value.data if isinstance(value, Node) else value)
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"save: entry {path!r} has dtype {array.dtype}; only bool, integer and float arrays can be "
                    "saved (object arrays would need pickle), and text as a Python str; convert it, e.g. "
                    "np.asarray(x, dtype=float)"
                )
            kinds.append(f"array:{path}")
            arrays[path] = array
    return arrays, kinds


def _check_member_name(key: str) -> None:
    """A zip member name is UTF-8 of at most 65535 bytes: refuse a key path that cannot be one, naming it."""
    try:
        size = len(f"{key}.npy".encode())
    except UnicodeEncodeError:
        raise ValueError(
            f"save: key {key[:80]!r} is not valid Unicode (it holds a lone surrogate) and cannot name an entry "
            "in the file; use plain text keys"
        ) from None
    if size > 0xFFFF:
        raise ValueError(
            f"save: key {key[:40]!r}... is {size} bytes long with its nesting; a name in the file holds at most "
            "65535 bytes, so use shorter keys"
        )


def save(obj: Any, path: PathLike) -> None:
    """Write a state to `path` as a pickle-free `.npz` archive.

    `obj` is a Module, an optimizer or a scheduler (its `state_dict()` is
    saved) or a dict whose values are arrays, numbers, strings, None, lists
    or nested dicts (a checkpoint); a Module, optimizer or scheduler inside it
    is saved as its `state_dict()`. Keys are non-empty strings without "/".
    The file is written next to `path` first and then renamed, so an error
    never leaves a half-written file in its place.
    """
    arrays, kinds = _flatten(_state_of(obj))
    for key in arrays:
        _check_member_name(key)
    path = _path(path, "save")
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        example = os.path.join(path, "model.npz")
        raise IsADirectoryError(f"save: {path!r} is a folder; give a file name, e.g. {example!r}")
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"save: cannot write {path!r}: the folder {directory!r} does not exist; create it first "
            "(os.makedirs(folder, exist_ok=True))"
        )
    try:
        fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=directory)
    except OSError as e:
        message = f"save: cannot write {path!r} ({e.strerror}); choose a folder you can write to"
        raise type(e)(e.errno, message) from None
    # A flat dict of arrays stays format 1 (no types record), readable by every microgradnn.
    version = 2 if any(not k.startswith("array:") or SEPARATOR in k for k in kinds) else 1
    entries: dict[str, np.ndarray] = {FORMAT_KEY: np.array(version)}
    if version == 2:
        entries[TYPES_KEY] = np.array(kinds)
    entries.update(arrays)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
            for key, array in entries.items():
                with archive.open(f"{key}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(e, OSError) and not isinstance(e, FileNotFoundError):
            raise type(e)(e.errno, f"save: cannot write {path!r} ({e.strerror})") from None
        raise


# ----------------------------------------------------------------------- load
class _Budget:
    """What is left of the limits while the members are checked."""

    def __init__(self, path: str, limits: dict[str, int]) -> None:
        self.path = path
        self.limits = limits
        self.bytes = limits["max_bytes"]
        self.elements = limits["max_elements"]

    def spend(self, member: str, nbytes: int, elements: int) -> None:
        self.bytes -= nbytes
        self.elements -= elements
        if self.bytes < 0:
            raise LoadError(
                f"load: {self.path!r} holds more than max_bytes={self.limits['max_bytes']} bytes "
                f"(reached at member {member!r}); pass a larger max_bytes to load() if you trust the file"
            )
        if self.elements < 0:
            raise LoadError(
                f"load: {self.path!r} holds more than max_elements={self.limits['max_elements']} numbers "
                f"(reached at member {member!r}); pass a larger max_elements to load() if you trust the file"
            )


def _check_limits(limits: dict[str, Any]) -> dict[str, int]:
    unknown = sorted(set(limits) - set(DEFAULT_LIMITS))
    if unknown:
        raise TypeError(f"load: unknown keyword argument(s) {unknown}; the limits are {sorted(DEFAULT_LIMITS)}")
    merged = dict(DEFAULT_LIMITS)
    for name, value in limits.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"load: {name} must be a positive int (a count of bytes or numbers), got {value!r}")
        merged[name] = int(value)
    return merged


def _read_exactly(f: BinaryIO, n: int, path: str, member: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise LoadError(f"load: member {member!r} of {path!r} is truncated (damaged file)")
    return data


def _read_header(f: BinaryIO, path: str, member: str, max_header: int) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """dtype, shape, fortran_order and header length of one .npy member, reading at most max_header bytes."""
    magic = _read_exactly(f, 8, path, member)
    if magic[:6] != _NPY_MAGIC:
        raise LoadError(f"load: member {member!r} of {path!r} is not a .npy array (no .npy magic bytes)")
    major = magic[6]
    if major == 1:
        (length,) = struct.unpack("<H", _read_exactly(f, 2, path, member))
        prefix = 10
    elif major in (2, 3):
        (length,) = struct.unpack("<I", _read_exactly(f, 4, path, member))
        prefix = 12
    else:
        raise LoadError(f"load: member {member!r} of {path!r} has .npy format version {major}; only 1 to 3 exist")
    if length > max_header:
        raise LoadError(
            f"load: member {member!r} of {path!r} has a .npy header of {length} bytes, larger than "
            f"max_header={max_header} (numpy writes about 128); pass a larger max_header to load() if you trust it"
        )
    raw = _read_exactly(f, length, path, member)
    try:
        text = raw.decode("utf-8" if major == 3 else "latin1")
        header = ast.literal_eval(text)  # literals only: never runs code
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError, UnicodeDecodeError):
        raise LoadError(f"load: member {member!r} of {path!r} has a damaged .npy header") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise LoadError(f"load: member {member!r} of {path!r} has a .npy header without descr, fortran_order, shape")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str):
        raise LoadError(
            f"load: member {member!r} of {path!r} holds a structured dtype {descr!r}; only plain number and "
            "string arrays are read"
        )
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise LoadError(f"load: member {member!r} of {path!r} has an unknown dtype {descr!r}") from None
    key = member[:-4] if member.endswith(".npy") else member
    if dtype.hasobject:
        raise LoadError(
            f"load: entry {key!r} of {path!r} holds Python objects (dtype=object); microgradnn.load "
            "refuses them because unpickling can run arbitrary code"
        )
    if dtype.kind not in _KINDS:
        raise LoadError(f"load: entry {key!r} of {path!r} has dtype {dtype}; only bool, int, float and str are read")
    if dtype.itemsize == 0:  # numpy would allocate such an array as 1-character strings: memory its size never counted
        raise LoadError(f"load: entry {key!r} of {path!r} has the zero-width dtype {descr!r} (damaged or crafted file)")
    if (
        not isinstance(fortran, bool)
        or not isinstance(shape, tuple)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        or len(shape) > 64
    ):
        raise LoadError(f"load: member {member!r} of {path!r} has an invalid shape {shape!r} in its .npy header")
    return dtype, shape, fortran, prefix + length


def _member_name(info: zipfile.ZipInfo, path: str) -> str:
    name = info.filename
    if not name.endswith(".npy"):
        raise LoadError(
            f"load: member {name!r} of {path!r} is not a .npy array (no .npy suffix); a file written by "
            "microgradnn.save holds only .npy members"
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise LoadError(
            f"load: member {name!r} of {path!r} uses zip compression method {info.compress_type}; "
            "only stored and deflated members are read"
        )
    if info.flag_bits & 0x1:
        raise LoadError(f"load: member {name!r} of {path!r} is encrypted")
    return name[:-4]


def _open_archive(path: str, limits: dict[str, int]) -> zipfile.ZipFile:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            start = f.read(6)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no file {path!r}; check the path (and the folder you run from)") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"load: {path!r} is a folder, not a file written by microgradnn.save") from None
    if start == _NPY_MAGIC:
        raise LoadError(
            f"load: {path!r} holds a single .npy array, not a state saved by microgradnn.save (an .npz archive)"
        )
    not_ours = LoadError(
        f"load: {path!r} is not a file written by microgradnn.save (an .npz archive of number arrays); "
        "microgradnn never unpickles files"
    )
    if start[:2] != b"PK":
        raise not_ours
    _check_directory_size(path, size, limits)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise LoadError(  # it starts as a zip archive does, but its end is missing or broken
            f"load: {path!r} is a damaged or truncated archive (a copy or download that did not finish?) and "
            "cannot be read; save it again. microgradnn never unpickles files"
        ) from None


def _check_directory_size(path: str, size: int, limits: dict[str, int]) -> None:
    """Read the zip's end record (at most 64 KiB from the end) and refuse a central directory past max_members
    before zipfile reads it into memory."""
    with open(path, "rb") as f:
        tail_size = min(size, 22 + 65535)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return  # not a zip: zipfile reports it
        count, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
        locator = at - 20
        if (
            (count == 0xFFFF or directory_size == 0xFFFFFFFF)
            and locator >= 0
            and tail[locator : locator + 4] == (b"PK\x06\x07")
        ):
            (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            if offset + 56 <= size:
                f.seek(offset)
                record = f.read(56)
                if record[:4] == b"PK\x06\x06":
                    count, directory_size = struct.unpack("<QQ", record[32:48])
    if count > limits["max_members"]:
        raise LoadError(
            f"load: {path!r} has {count} members, more than max_members={limits['max_members']}; "
            "pass a larger max_members to load() if you trust the file"
        )
    if directory_size > limits["max_members"] * 1200:
        raise LoadError(f"load: {path!r} has a zip directory of {directory_size} bytes, too large for its limits")


def load(path: PathLike, **limits: int) -> dict[str, Any]:
    """Read a file written by `save`: a dict of numpy arrays (nested, with numbers and strings, for a checkpoint).

    Limits (keyword arguments, defaults in `DEFAULT_LIMITS`): `max_bytes`
    (sum of the members' uncompressed sizes), `max_elements` (numbers over
    all arrays), `max_header` (bytes of one .npy header), `max_members`.
    Every member is checked against them before any array is allocated.
    Raises `LoadError` (a ValueError) naming the file and the member for a file
    that is not a microgradnn save, is damaged, holds object arrays or is past
    a limit; FileNotFoundError when there is no file, IsADirectoryError for a folder (and the system's
    PermissionError for a file it may not read). Nothing is ever unpickled.
    """
    path = _path(path, "load")
    checked = _check_limits(limits)
    try:
        return _load(path, checked)
    except (LoadError, FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        struct.error,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OverflowError,
        UnicodeError,
    ) as e:  # a damaged archive, as the zip and zlib readers see it
        raise LoadError(f"load: {path!r} is damaged and cannot be read ({type(e).__name__}: {e})") from None


def _load(path: str, checked: dict[str, int]) -> dict[str, Any]:
    budget = _Budget(path, checked)
    with _open_archive(path, checked) as archive:
        infos = archive.infolist()
        if len(infos) > checked["max_members"]:
            raise LoadError(f"load: {path!r} has {len(infos)} members, more than max_members={checked['max_members']}")
        names = [_member_name(info, path) for info in infos]
        if len(set(names)) != len(names):
            raise LoadError(f"load: {path!r} lists a member twice (damaged or crafted file)")
        if FORMAT_KEY not in names:
            raise LoadError(
                f"load: {path!r} is an .npz archive but not one written by microgradnn.save "
                f"(it has no {FORMAT_KEY!r} entry); its entries are {names[:10]}"
            )
        # Pass 1: every header, against the limits, before any array exists.
        plans = []
        for info, name in zip(infos, names):
            budget.spend(info.filename, info.file_size, 0)
            with _open_member(archive, info, path) as f:
                dtype, shape, fortran, header_size = _read_header(f, path, info.filename, checked["max_header"])
            elements = math.prod(shape)
            nbytes = elements * dtype.itemsize
            budget.spend(info.filename, 0, elements)
            if header_size + nbytes != info.file_size:
                raise LoadError(
                    f"load: member {info.filename!r} of {path!r} declares shape {shape} of {dtype} "
                    f"({nbytes} bytes) but holds {info.file_size - header_size} bytes of data (damaged file)"
                )
            plans.append((info, name, dtype, shape, fortran, header_size))
        # Pass 2: the data, each array allocated at the size its header declared and the checks allowed.
        flat: dict[str, np.ndarray] = {}
        for info, name, dtype, shape, fortran, header_size in plans:
            with _open_member(archive, info, path) as f:
                _read_exactly(f, header_size, path, info.filename)
                flat[name] = _read_data(f, dtype, shape, fortran, path, info.filename)
    return _unflatten(flat, path)


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> Any:
    try:
        return archive.open(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as e:
        raise LoadError(f"load: member {info.filename!r} of {path!r} cannot be read ({e})") from None


def _read_data(f: BinaryIO, dtype: np.dtype, shape: tuple[int, ...], fortran: bool, path: str, member: str) -> Any:
    array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    view = memoryview(array.reshape(-1, order="A").view(np.uint8)) if array.size else memoryview(b"")
    filled = 0
    try:
        while filled < len(view):
            n = f.readinto(view[filled:])  # type: ignore[attr-defined]
            if not n:
                raise LoadError(f"load: member {member!r} of {path!r} is truncated (damaged file)")
            filled += n
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise LoadError(f"load: member {member!r} of {path!r} cannot be read ({e})") from None
    return array


def _unflatten(flat: dict[str, np.ndarray], path: str) -> dict[str, Any]:
    """Member arrays back into the nested dict that was saved, using the format marker and the types record."""
    marker = flat.pop(FORMAT_KEY)
    version = int(marker) if marker.shape == () and marker.dtype.kind in "iu" else None
    if version is None or version > FORMAT_VERSION or version < 1:
        raise LoadError(
            f"load: {path!r} has format version {marker!r}; this microgradnn reads versions 1 to "
            f"{FORMAT_VERSION} (upgrade microgradnn to read newer files)"
        )
    kinds_array = flat.pop(TYPES_KEY, None)
    if version == 1:
        return flat  # flat keys, arrays only (a key may hold "/")
    if kinds_array is None or kinds_array.dtype.kind != "U" or kinds_array.ndim != 1:
        raise LoadError(f"load: {path!r} is format 2 but its {TYPES_KEY!r} member is missing or not strings")
    kinds: dict[str, str] = {}
    root: dict[str, Any] = {}
    for record in kinds_array.tolist():  # in the order they were saved
        kind, sep, key = record.partition(":")
        if not sep or kind not in _KINDS_RECORDED or not key or key in kinds:
            raise LoadError(f"load: member {TYPES_KEY!r} of {path!r} has a bad record {record[:80]!r}")
        kinds[key] = kind
        *parents, last = key.split(SEPARATOR)
        if "" in parents or not last:
            raise LoadError(f"load: entry {key!r} of {path!r} has an empty key part")
        node = root
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise LoadError(f"load: {path!r} has both a value and nested entries under {key!r} (damaged file)")
            node = child
        if last in node:
            raise LoadError(f"load: {path!r} has both a value and nested entries under {key!r} (damaged file)")
        if kind in ("dict", "list"):
            node[last] = {}
        elif kind == "none":
            node[last] = None
        else:
            if key not in flat:
                raise LoadError(f"load: {path!r} lists entry {key!r} but has no member {key + '.npy'!r}")
            array = flat.pop(key)
            if kind == "array":
                node[last] = array
            elif kind == "str" and array.ndim == 1 and array.dtype.kind in "iu":
                node[last] = _from_code_points(array, key, path)
            elif array.shape != () or array.dtype.kind not in _SCALAR_DTYPES[kind]:
                raise LoadError(
                    f"load: entry {key!r} of {path!r} should be one {kind}, has shape {array.shape} and dtype "
                    f"{array.dtype} (damaged or crafted file)"
                )
            else:
                node[last] = {"int": int, "float": float, "bool": bool, "str": str}[kind](array.item())
    if flat:
        raise LoadError(f"load: {path!r} has members its types record does not list: {sorted(flat)[:5]}")
    return _lists(root, kinds, path)


def _code_points(text: str) -> np.ndarray:
    return np.array([ord(c) for c in text], dtype=np.uint32)


def _from_code_points(array: np.ndarray, key: str, path: str) -> str:
    try:
        return "".join(map(chr, array.tolist()))
    except (ValueError, OverflowError):
        raise LoadError(f"load: entry {key!r} of {path!r} is text with a code point outside Unicode") from None


def _lists(root: dict[str, Any], kinds: dict[str, str], path: str) -> dict[str, Any]:
    """Turn the dicts recorded as lists ("0", "1", ...) back into lists, innermost first. A loop, not recursion:
    a checkpoint may nest deeper than Python's recursion limit."""
    order: list[tuple[dict[str, Any], str]] = []
    stack = [(root, "")]
    while stack:  # every dict, each before the dicts inside it
        node, prefix = stack.pop()
        order.append((node, prefix))
        stack.extend(
            (child, f"{prefix}{SEPARATOR}{key}" if prefix else key)
            for key, child in node.items()
            if isinstance(child, dict)
        )
    made: dict[int, list[Any]] = {}
    for node, prefix in reversed(order):  # the dicts inside a dict come first
        for key, child in node.items():
            if id(child) in made:
                node[key] = made[id(child)]
        if prefix and kinds.get(prefix) == "list":
            if sorted(node, key=lambda k: (len(k), k)) != [str(i) for i in range(len(node))]:
                raise LoadError(
                    f"load: entry {prefix!r} of {path!r} is recorded as a list but its items are {list(node)}"
                )
            made[id(node)] = [node[str(i)] for i in range(len(node))]
    return root
