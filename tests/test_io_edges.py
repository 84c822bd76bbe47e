"""Edges of saving and loading, the command line, data, fit, gradcheck and the testing strategies.

Each test pins a bug that was found by probing with odd inputs: what used to hang, crash, allocate far past
the limits or answer silently wrong now gives a clear error (or the right answer).
"""

from __future__ import annotations

import contextlib
import io
import math
import signal
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import microgradnn
from microgradnn import Tensor, Value, data, gradcheck, nn, numeric_grad, optim
from microgradnn.cli import main
from microgradnn.engine import Context
from microgradnn.gradcheck import gradgradcheck
from microgradnn.nn import functional as F
from microgradnn.serialization import FORMAT_KEY, TYPES_KEY, LoadError
from microgradnn.tensor.tensor import TensorFunction
from microgradnn.testing import strategies as mst
from microgradnn.training import fit

few = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@contextlib.contextmanager
def _within(seconds: float):
    """Fail instead of hanging: raise in the main thread after `seconds`."""

    def timeout(signum, frame):
        raise AssertionError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _npy(array=None, header=None):
    if array is not None:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
        return buffer.getvalue()
    text = (header + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text


def _archive(path, members, version=2):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{FORMAT_KEY}.npy", _npy(np.array(version)))
        for name, member in members.items():
            archive.writestr(name, member)
    return path


# ------------------------------------------------------------------------------- save
def test_save_refuses_a_dict_that_contains_itself(tmp_path):
    looped = {"w": np.ones(2)}
    looped["again"] = looped
    with _within(2), pytest.raises(ValueError, match=r"save: entry 'again' contains itself"):
        microgradnn.save(looped, tmp_path / "loop.npz")
    items = [1]
    items.append(items)
    with _within(2), pytest.raises(ValueError, match=r"entry 'x/1' contains itself"):
        microgradnn.save({"x": items}, tmp_path / "loop.npz")
    assert list(tmp_path.iterdir()) == []
    shared = {"w": np.ones(2)}  # the same dict twice is not a loop: it is saved twice
    microgradnn.save({"a": shared, "b": [shared]}, tmp_path / "shared.npz")
    back = microgradnn.load(tmp_path / "shared.npz")
    np.testing.assert_array_equal(back["b"][0]["w"], np.ones(2))


def test_save_names_a_key_that_cannot_name_a_member(tmp_path):
    with pytest.raises(ValueError, match=r"save: key 'kkk.*65535 bytes"):
        microgradnn.save({"k" * 70_000: 1}, tmp_path / "long.npz")
    with pytest.raises(ValueError, match=r"save: key '\\ud800' is not valid Unicode"):
        microgradnn.save({"\ud800": np.ones(1)}, tmp_path / "surrogate.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_to_an_empty_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"save: path is empty"):
        microgradnn.save({"w": np.ones(2)}, "")
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_nested_deeper_than_the_recursion_limit_round_trips(tmp_path):
    tree: dict = {}
    node = tree
    for _ in range(1500):
        node["l"] = [{}, 7]
        node = node["l"][0]
    node["end"] = "here"
    microgradnn.save(tree, tmp_path / "deep.npz")
    back = microgradnn.load(tmp_path / "deep.npz")
    depth = 0
    while "l" in back:
        assert back["l"][1] == 7
        back, depth = back["l"][0], depth + 1
    assert depth == 1500 and back == {"end": "here"}


# ------------------------------------------------------------------------------- load
def test_zero_width_strings_allocate_nothing(tmp_path):
    # numpy allocates '<U0' as '<U1': 4 bytes per element that the header says take none.
    header = "{'descr': '<U0', 'fortran_order': False, 'shape': (100000000,)}"
    path = _archive(tmp_path / "u0.npz", {"w.npy": _npy(header=header)}, version=1)
    assert path.stat().st_size < 1000
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match=r"entry 'w' of .*u0\.npz.* zero-width dtype '<U0'"):
            microgradnn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak


@pytest.mark.parametrize(
    ("kind", "value"),
    [("bool", np.array(0.5)), ("str", np.array(2.5)), ("int", np.array("12")), ("float", np.array(True))],
)
def test_a_recorded_kind_must_match_the_members_dtype(tmp_path, kind, value):
    members = {f"{TYPES_KEY}.npy": _npy(np.array([f"{kind}:x"])), "x.npy": _npy(value)}
    path = _archive(tmp_path / "crafted.npz", members)
    with pytest.raises(LoadError, match=rf"entry 'x' of .*should be one {kind}, has shape \(\) and dtype"):
        microgradnn.load(path)


# ------------------------------------------------------------------------------ gradcheck
class _MostlyWrong(TensorFunction):
    """2x with a backward 1% off everywhere and NaN at element 25."""

    name = "mostly_wrong"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x * 2.0

    @staticmethod
    def backward(ctx: Context, grad):
        g = np.array(grad * 2.02, dtype=np.float64)
        g[..., 25] = np.nan
        return (g,)


def test_a_nan_gradient_is_the_worst_entry_of_the_report():
    x = Tensor(np.linspace(1.0, 2.0, 30), requires_grad=True, label="x")
    result = gradcheck(lambda t: _MostlyWrong.apply(t).sum(), [x], raise_on_failure=False)
    text = str(result)
    assert "showing the 20 worst" in text
    assert "worst in x: element (25,) of output 0: analytic nan" in text
    first_row = text.splitlines()[2]
    assert "(25,)" in first_row and "nan" in first_row


def test_gradcheck_refuses_settings_that_check_nothing_or_nonsense():
    x = Tensor(np.ones(3), requires_grad=True)
    for projections in (0, -1, 2.5):
        with pytest.raises(ValueError, match=r"gradcheck: projections must be an int >= 1"):
            gradcheck(lambda t: t * t, [x], mode="projected", projections=projections)
    with pytest.raises(ValueError, match=r"gradcheck: eps .* must be a number > 0, got 0"):
        gradcheck(lambda v: v * v, [Value(1.0)], eps=0)
    with pytest.raises(ValueError, match=r"gradcheck: eps .* got '1e-6'"):
        gradcheck(lambda v: v * v, [Value(1.0)], eps="1e-6")
    with pytest.raises(ValueError, match=r"gradcheck: atol .* must be a number >= 0, got nan"):
        gradcheck(lambda v: v * v, [Value(1.0)], atol=float("nan"))
    with pytest.raises(ValueError, match=r"gradgradcheck: rtol"):
        gradgradcheck(lambda v: v * v, [Value(1.0)], rtol=-1)


def test_numeric_grad_checks_its_inputs_and_names_itself():
    with pytest.raises(TypeError, match=r"numeric_grad: inputs must be a list"):
        numeric_grad(lambda v: v, Value(1.0))
    with pytest.raises(TypeError, match=r"numeric_grad: input 0 is a float"):
        numeric_grad(lambda v: v, [1.0])
    with pytest.raises(TypeError, match=r"numeric_grad: input 0 has dtype int64"):
        numeric_grad(lambda t: t.sum(), [Tensor(np.ones(2, np.int64))])
    with pytest.raises(ValueError, match=r"numeric_grad: eps"):
        numeric_grad(lambda v: v * v, [Value(1.0)], eps=0.0)


def test_gradcheck_with_no_inputs_or_empty_ones():
    with pytest.raises(ValueError, match=r"gradcheck: inputs is empty"):
        gradcheck(lambda: Value(1.0), [])
    empty = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert gradcheck(lambda t: t * 2.0, [empty]).rows == []
    (g,) = numeric_grad(lambda t: t.sum() * 1.0, [empty])
    assert g.shape == (0, 3)


# ---------------------------------------------------------------------------- strategies
@few
@given(mst.arrays_with_specials((6,), special_fraction=1.0))
def test_arrays_with_specials_honour_a_fraction_of_one(a):
    assert all(math.isnan(x) or x in mst.SPECIAL_FLOATS for x in a.tolist())


def test_arrays_with_specials_refuse_a_fraction_outside_0_1():
    with pytest.raises(ValueError, match=r"special_fraction must be a number in \[0, 1\], got 2.0"):
        mst.arrays_with_specials((3,), special_fraction=2.0)


@few
@given(mst.non_contiguous_arrays((5,)), mst.non_contiguous_arrays((1, 3)), mst.non_contiguous_arrays((2, 3)))
def test_non_contiguous_arrays_are_never_contiguous(a, b, c):
    assert (a.shape, b.shape, c.shape) == ((5,), (1, 3), (2, 3))
    assert not a.flags.c_contiguous and not b.flags.c_contiguous and not c.flags.c_contiguous


def test_strategy_arguments_are_checked_at_the_call():
    with pytest.raises(ValueError, match=r"arrays: min_gap must be a number > 0"):
        mst.arrays((2,), min_gap=0)
    with pytest.raises(ValueError, match=r"arrays: unknown op 'nope'"):
        mst.arrays((2,), "nope")
    with pytest.raises(ValueError, match=r"expressions: n_inputs must be an int >= 1, got 0"):
        mst.expressions(0)


# ------------------------------------------------------------------------------ fit, data
def _model():
    model = nn.Linear(2, 2, seed=0)
    return model, optim.SGD(model.parameters(), lr=0.1)


def test_fit_keeps_integer_labels_given_as_a_python_list():
    model, opt = _model()
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    history = fit(model, F.cross_entropy, opt, data=(X, [0, 1, 1, 0]), epochs=2, progress=False)
    assert history.epochs == 2 and len(history.accuracy) == 2


def test_fit_checks_val_data_and_empty_data_before_training():
    X, y = np.ones((4, 2), np.float32), np.zeros(4, np.int64)
    model, opt = _model()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"fit: val_data=\(X_val, y_val\) .* shapes \(4, 2\) and \(3,\)"):
        fit(model, F.cross_entropy, opt, data=(X, y), val_data=(X, y[:3]), progress=False)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))  # no epoch ran
    with pytest.raises(ValueError, match=r"fit: data=\(X, y\) has no rows"):
        fit(model, F.cross_entropy, opt, data=(X[:0], y[:0]), progress=False)
    with pytest.raises(ValueError, match=r"fit: epochs must be an int >= 1 \(and below 2\*\*63\)"):
        fit(model, F.cross_entropy, opt, data=(X, y), epochs=2**63, progress=False)


def test_blobs_refuse_centres_without_features_and_a_box_too_wide():
    with pytest.raises(ValueError, match=r"blobs: centers .* got shape \(2, 0\)"):
        data.blobs(10, centers=np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"blobs: center_box must be finite"):
        data.blobs(10, center_box=(-1e308, 1e308))


def test_batches_check_the_seed_without_shuffle_too():
    with pytest.raises(ValueError, match=r"batches: seed must be None, an int >= 0"):
        data.batches(np.zeros((4, 2)), np.zeros(4), 2, seed=1.5)


# ------------------------------------------------------------------------------------ CLI
def test_cli_epochs_past_int64_is_a_usage_error(tmp_path, capsys):
    assert main(["train", "xor", "--epochs", "99999999999999999999", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "argument --epochs: '99999999999999999999' is too large" in err and "internal error" not in err


def test_cli_out_paths_that_cannot_be_written_are_named(tmp_path: Path, capsys):
    a_file = tmp_path / "taken"
    a_file.write_text("")
    assert main(["tour", "--step", "1", "--quiet", "--out", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert f"--out {a_file}: this is a file, not a folder" in err and "Errno" not in err
    folder = tmp_path / "pictures.dot"
    folder.mkdir()
    assert main(["graph", "x", "--set", "x=1", "--out", str(folder)]) == 2
    captured = capsys.readouterr()
    assert f"--out {folder}: this is a folder; give a file name" in captured.err and captured.out == ""
    assert main(["graph", "x", "--set", "x=1", "--out", str(a_file / "g.dot")]) == 2
    err = capsys.readouterr().err
    assert f"{a_file} is a file, not a folder" in err and "Errno" not in err


def test_save_refuses_a_masked_array_rather_than_drop_its_mask(tmp_path):
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    with pytest.raises(TypeError, match=r"save: entry 'x' is a masked array, whose mask would be lost"):
        microgradnn.save({"x": masked}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
