"""save/load: exact round trips through .npz, and clear refusals of anything else."""

import zipfile

import numpy as np
import pytest

import microgradnn
from microgradnn.nn import MLP, Linear, ReLU, Sequential
from microgradnn.serialization import FORMAT_KEY


def test_scalar_mlp_round_trips_exactly(tmp_path):
    net = MLP(2, [3, 1], seed=0)
    path = tmp_path / "net.npz"
    microgradnn.save(net, path)
    other = MLP(2, [3, 1], seed=1)
    other.load_state_dict(microgradnn.load(path))
    assert [p.data for p in other.parameters()] == [p.data for p in net.parameters()]  # bit for bit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensor_model_round_trips_exactly_keeping_dtype(tmp_path, dtype):
    model = Sequential(Linear(4, 5, seed=0, dtype=dtype), ReLU(), Linear(5, 2, seed=1, dtype=dtype))
    path = tmp_path / "model.pt"  # any name: the file is written exactly there
    microgradnn.save(model, path)
    state = microgradnn.load(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in model.state_dict().items():
        assert state[key].dtype == dtype
        np.testing.assert_array_equal(state[key], value)
    fresh = Sequential(Linear(4, 5, seed=5, dtype=dtype), ReLU(), Linear(5, 2, seed=6, dtype=dtype))
    fresh.load_state_dict(state)
    x = microgradnn.Tensor(np.ones((1, 4), dtype=dtype))
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_a_plain_dict_of_arrays_round_trips(tmp_path):
    state = {"a": np.arange(6).reshape(2, 3), "b": np.array(True), "c": np.float32(1.5)}
    microgradnn.save(state, tmp_path / "s.npz")
    back = microgradnn.load(tmp_path / "s.npz")
    assert back.keys() == state.keys()
    for k in state:
        np.testing.assert_array_equal(back[k], state[k])
        assert back[k].dtype == np.asarray(state[k]).dtype


def test_file_is_a_plain_npz_with_a_format_marker(tmp_path):
    microgradnn.save(Linear(2, 2, seed=0), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert int(archive[FORMAT_KEY]) == 1
        assert sorted(archive.files) == sorted([FORMAT_KEY, "weight", "bias"])


def test_object_arrays_are_refused_when_saving_and_loading(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        microgradnn.save({"x": np.array([object()], dtype=object)}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}], dtype=object), **{FORMAT_KEY: np.array(1)})
    with pytest.raises(ValueError, match=r"entry 'x'.*holds Python objects"):
        microgradnn.load(tmp_path / "obj.npz")


def test_files_that_are_not_saved_states_are_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", weight=np.ones(2))
    with pytest.raises(ValueError, match=f"not one written by microgradnn.save.*no '{FORMAT_KEY}' entry"):
        microgradnn.load(tmp_path / "plain.npz")
    np.save(tmp_path / "one.npy", np.ones(2))
    with pytest.raises(ValueError, match=r"single \.npy array"):
        microgradnn.load(tmp_path / "one.npy")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"not a file written by microgradnn.save.*never unpickles"):
        microgradnn.load(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError):
        microgradnn.load(tmp_path / "missing.npz")


def test_a_truncated_save_is_called_damaged_not_foreign(tmp_path):
    microgradnn.save({"w": np.arange(100.0)}, tmp_path / "full.npz")
    whole = (tmp_path / "full.npz").read_bytes()
    for size in (len(whole) // 2, len(whole) - 5):
        (tmp_path / "cut.npz").write_bytes(whole[:size])
        with pytest.raises(ValueError, match=r"'.*cut\.npz' is a damaged or truncated archive.*save it again"):
            microgradnn.load(tmp_path / "cut.npz")


def test_a_newer_format_version_is_refused(tmp_path):
    np.savez(tmp_path / "future.npz", **{FORMAT_KEY: np.array(99), "w": np.ones(1)})
    with pytest.raises(ValueError, match=r"format version.*upgrade microgradnn"):
        microgradnn.load(tmp_path / "future.npz")


def test_save_rejects_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="expected a Module or a dict"):
        microgradnn.save([1, 2], tmp_path / "x.npz")
    with pytest.raises(ValueError, match="reserved"):
        microgradnn.save({FORMAT_KEY: np.ones(1)}, tmp_path / "x.npz")


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    microgradnn.save({"w": np.ones(2)}, path)
    with pytest.raises(TypeError):
        microgradnn.save({"w": np.ones(2), "z": np.array(["text"])}, path)
    np.testing.assert_array_equal(microgradnn.load(path)["w"], np.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind
    assert zipfile.is_zipfile(path)


# ------------------------------------------------------------ hostile and broken files
def _npy_bytes(array=None, header=None):
    """A .npy member: numpy's own bytes for `array`, or a hand-made header (a dict literal) with no data."""
    import io

    if array is not None:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
        return buffer.getvalue()
    text = (header + "\n").encode("latin1")
    if len(text) < 65535:
        return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text
    return b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text


def _archive(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr(f"{FORMAT_KEY}.npy", _npy_bytes(np.array(1)))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_saving_into_a_missing_folder_names_the_users_path(tmp_path):
    target = tmp_path / "no" / "such" / "model.npz"
    with pytest.raises(FileNotFoundError) as info:
        microgradnn.save({"w": np.ones(2)}, target)
    message = str(info.value)
    assert str(target) in message and "does not exist" in message and "os.makedirs" in message
    assert ".tmp" not in message  # not the temporary file's name
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name"):
        microgradnn.save({"w": np.ones(2)}, tmp_path)


def test_a_member_without_npy_suffix_is_refused_clearly(tmp_path):
    path = _archive(tmp_path / "odd.npz", {"notes.txt": b"hello"})
    with pytest.raises(microgradnn.serialization.LoadError, match=r"member 'notes.txt' of .*odd.npz.*no \.npy suffix"):
        microgradnn.load(path)
    with zipfile.ZipFile(tmp_path / "marker.npz", "w") as archive:  # the format marker itself without the suffix
        archive.writestr(FORMAT_KEY, _npy_bytes(np.array(1)))
    with pytest.raises(ValueError, match=r"no \.npy suffix"):
        microgradnn.load(tmp_path / "marker.npz")


def test_a_huge_header_is_reported_as_a_header_too_large(tmp_path):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}" + " " * (1 << 20)
    path = _archive(tmp_path / "big.npz", {"w.npy": _npy_bytes(header=header) + bytes(16)})
    with pytest.raises(ValueError, match=r"member 'w.npy' .* \.npy header of \d+ bytes, larger than max_header=65536"):
        microgradnn.load(path)
    assert microgradnn.load(path, max_header=2 << 20)["w"].shape == (2,)  # the limit is adjustable


def test_a_header_declaring_billions_of_numbers_allocates_nothing(tmp_path):
    import tracemalloc

    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000,)}"
    path = _archive(tmp_path / "liar.npz", {"w.npy": _npy_bytes(header=header)})
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"more than max_elements=\d+ numbers \(reached at member 'w.npy'\)"):
            microgradnn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    with pytest.raises(ValueError, match=r"declares shape \(4000000000,\).*damaged file"):  # even with the limit off
        microgradnn.load(path, max_elements=1 << 40, max_bytes=1 << 40)


def test_a_zip_bomb_stops_at_max_bytes_before_expanding(tmp_path):
    import tracemalloc

    n = 1 << 24  # 16 M float64 = 128 MiB once expanded, a few hundred KiB compressed
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n},)}}"
    path = _archive(tmp_path / "bomb.npz", {"w.npy": _npy_bytes(header=header) + bytes(8 * n)}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"more than max_bytes=1000000 bytes"):
            microgradnn.load(path, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_limits_are_checked_over_the_whole_file_and_named(tmp_path):
    path = tmp_path / "m.npz"
    microgradnn.save({"a": np.zeros(100), "b": np.zeros(100)}, path)
    with pytest.raises(ValueError, match=r"max_elements=150 .*member 'b.npy'"):
        microgradnn.load(path, max_elements=150)
    with pytest.raises(ValueError, match=r"more than max_members=2"):
        microgradnn.load(path, max_members=2)
    with pytest.raises(TypeError, match=r"unknown keyword argument\(s\) \['max_size'\]"):
        microgradnn.load(path, max_size=10)
    with pytest.raises(ValueError, match="max_bytes must be a positive int"):
        microgradnn.load(path, max_bytes=-1)
    assert set(microgradnn.load(path, max_elements=201)) == {"a", "b"}  # 200 numbers and the format marker


def test_structured_truncated_and_lying_members_are_refused(tmp_path):
    cases = {
        "structured": _npy_bytes(header="{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}"),
        "truncated": _npy_bytes(np.arange(10.0))[:-8],
        "garbage header": _npy_bytes(header="{'descr': '<f8', 'fortran_order': False, 'shape': (1,)") + bytes(8),
        "not npy": b"PK\x03\x04 definitely not a numpy array",
        "negative shape": _npy_bytes(header="{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}"),
        "complex": _npy_bytes(np.array([1j])),
    }
    for i, (what, data) in enumerate(cases.items()):
        path = _archive(tmp_path / f"bad{i}.npz", {"w.npy": data})
        with pytest.raises(ValueError, match=r"member 'w.npy' of|entry 'w' of") as info:
            microgradnn.load(path)
        assert str(path) in str(info.value), what


def test_optimizers_and_schedulers_save_directly(tmp_path):
    from microgradnn import optim

    w = microgradnn.Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.ones(2)
    opt.step()
    microgradnn.save(opt, tmp_path / "opt.npz")
    back = microgradnn.load(tmp_path / "opt.npz")
    assert back["type"] == "Adam" and back["state"]["0"]["step"] == 1
    np.testing.assert_array_equal(back["state"]["0"]["exp_avg"], opt.state[0]["exp_avg"])
    sched = optim.StepLR(opt, step_size=3)
    microgradnn.save(sched, tmp_path / "sched.npz")
    assert microgradnn.load(tmp_path / "sched.npz")["hyperparameters"] == {"step_size": 3, "gamma": 0.1}


def test_big_endian_and_fortran_arrays_round_trip(tmp_path):
    state = {"be": np.arange(6, dtype=">f8").reshape(2, 3), "f": np.asfortranarray(np.arange(6.0).reshape(3, 2))}
    microgradnn.save(state, tmp_path / "x.npz")
    back = microgradnn.load(tmp_path / "x.npz")
    for key, value in state.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == value.dtype
