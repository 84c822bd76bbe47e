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
