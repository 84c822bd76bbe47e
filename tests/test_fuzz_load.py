"""Fuzzing `load`: random bytes, random zips of random .npy members, and damaged real files.

Whatever the bytes, `load` either returns what a file holds or raises `LoadError` (a ValueError): never
another exception, never a MemoryError, never more memory than its limits allow, and never unpickling.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import tracemalloc
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microgradnn
from microgradnn.serialization import FORMAT_KEY, TYPES_KEY, LoadError

LIMITS = {"max_bytes": 1 << 20, "max_elements": 1 << 17, "max_header": 4096, "max_members": 64}
PEAK_BOUND = 6 << 20  # bytes: the 1 MiB data limit, plus zipfile's and numpy's bookkeeping, with room to spare

fuzz = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _load_bytes(data: bytes) -> object:
    """Write `data` to a file and load it under the test limits, recording the peak memory."""
    fd, path = tempfile.mkstemp(suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        tracemalloc.start()
        try:
            try:
                result = microgradnn.load(path, **LIMITS)
            except LoadError as e:
                assert path in str(e)  # the message names the file
                result = e
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < PEAK_BOUND, peak
        return result
    finally:
        os.remove(path)


def _npy(header: str, data: bytes, version: int = 1) -> bytes:
    text = (header + "\n").encode("latin1", "replace")
    size = len(text).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


descrs = st.sampled_from(["<f8", "<f4", ">i4", "|b1", "<u2", "<U3", "|O", "<c16", "|V8", "<M8[s]", "x", "'"])
shapes = st.lists(st.integers(-2, 3000), max_size=3).map(tuple) | st.just((10**12,)) | st.just(())
headers = st.one_of(
    st.builds(
        lambda d, f, s: repr({"descr": d, "fortran_order": f, "shape": s}),
        descrs,
        st.booleans() | st.just(1),
        shapes,
    ),
    st.text(max_size=80),  # anything at all
    st.just("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}" + " " * 5000),  # past max_header
    st.just("(" * 3000),  # deep nesting for literal_eval
)
members = st.dictionaries(
    st.sampled_from(["w.npy", "a/b.npy", "x", f"{FORMAT_KEY}.npy", f"{TYPES_KEY}.npy", "a.npy", "0.npy"]),
    st.tuples(headers, st.binary(max_size=512), st.sampled_from([1, 2, 3, 7])),
    max_size=4,
)


@fuzz
@given(st.binary(max_size=2048), st.sampled_from([b"", b"PK\x03\x04", b"\x93NUMPY\x01\x00", b"\x80\x04"]))
def test_random_bytes_only_ever_raise_load_error(data, prefix):
    result = _load_bytes(prefix + data)
    assert isinstance(result, (dict, LoadError))


@fuzz
@given(members, st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]), st.booleans())
def test_random_zips_of_random_npy_members(chosen, compression, with_marker):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        if with_marker:
            archive.writestr(
                f"{FORMAT_KEY}.npy",
                _npy(repr({"descr": "<i8", "fortran_order": False, "shape": ()}), np.array(2).tobytes()),
            )
        for name, (header, data, version) in chosen.items():
            if with_marker and name == f"{FORMAT_KEY}.npy":
                continue
            archive.writestr(name, _npy(header, data, version))
    result = _load_bytes(buffer.getvalue())
    assert isinstance(result, (dict, LoadError))


def _real_file() -> bytes:
    fd, path = tempfile.mkstemp(suffix=".npz")
    os.close(fd)
    try:
        microgradnn.save(
            {"model": {"w": np.arange(12.0).reshape(3, 4), "b": np.ones(4, np.float32)}, "epoch": 3, "name": "x"},
            path,
        )
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.remove(path)


REAL = _real_file()


@fuzz
@given(
    st.lists(st.tuples(st.integers(0, len(REAL) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(1, len(REAL)),
)
def test_damaged_real_files(flips, keep):
    data = bytearray(REAL)
    for at, value in flips:
        data[at] = value
    result = _load_bytes(bytes(data[:keep]))
    assert isinstance(result, (dict, LoadError))


def test_the_undamaged_file_loads():
    result = _load_bytes(REAL)
    assert result["epoch"] == 3 and result["name"] == "x" and result["model"]["w"].shape == (3, 4)


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_pickle_inside_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps(np.array([_Boom()], dtype=object))
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([_Boom()], dtype=object), allow_pickle=True)
    for data in (payload, buffer.getvalue()):
        with zipfile.ZipFile(tmp_path / "evil.npz", "w") as archive:
            archive.writestr(
                f"{FORMAT_KEY}.npy",
                _npy(repr({"descr": "<i8", "fortran_order": False, "shape": ()}), np.array(1).tobytes()),
            )
            archive.writestr("w.npy", data)
        result = _load_bytes((tmp_path / "evil.npz").read_bytes())
        assert isinstance(result, LoadError)
    assert not (tmp_path / "pwned").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1 << 21), st.sampled_from(["<f8", "<f4", "|b1"])), min_size=1, max_size=3))
def test_large_honest_members_stay_within_the_limits(sizes):
    # Headers that tell the truth, over data that compresses to almost nothing: only the limits stop them.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{FORMAT_KEY}.npy",
            _npy(repr({"descr": "<i8", "fortran_order": False, "shape": ()}), np.array(1).tobytes()),
        )
        for i, (n, descr) in enumerate(sizes):
            header = repr({"descr": descr, "fortran_order": False, "shape": (n,)})
            archive.writestr(f"m{i}.npy", _npy(header, bytes(n * np.dtype(descr).itemsize)))
    total = sum(n * np.dtype(d).itemsize for n, d in sizes)
    result = _load_bytes(buffer.getvalue())
    if total + 1000 < LIMITS["max_bytes"] and sum(n for n, _ in sizes) < LIMITS["max_elements"]:
        assert isinstance(result, dict) and len(result) == len(sizes)
    elif total > LIMITS["max_bytes"]:
        assert isinstance(result, LoadError) and ("max_bytes" in str(result) or "max_elements" in str(result))
