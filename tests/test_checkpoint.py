"""Checkpoints: model, optimizer and scheduler state through save/load, and resuming bit for bit."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microgradnn
from microgradnn import Tensor, Value, optim
from microgradnn.nn import MLP, Linear, ReLU, Sequential
from microgradnn.nn import functional as F
from microgradnn.serialization import LoadError

X = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
Y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)

OPTIMIZERS = {
    "sgd_momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd_nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=0.01, weight_decay=1e-3),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
}
SCHEDULERS = {
    "step": lambda o: optim.StepLR(o, step_size=2, gamma=0.5),
    "cosine": lambda o: optim.CosineAnnealingLR(o, T_max=5, eta_min=1e-4),
    "linear": lambda o: optim.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=4),
    "exponential": lambda o: optim.ExponentialLR(o, gamma=0.9),
}


def build(make_opt, make_sched):
    model = Sequential(Linear(3, 8, seed=1), ReLU(), Linear(8, 2, seed=2))
    opt = make_opt(model.parameters())
    return model, opt, make_sched(opt)


def train(model, opt, sched, epochs):
    for _ in range(epochs):
        for i in range(0, len(X), 8):
            loss = F.cross_entropy(model(Tensor(X[i : i + 8])), Tensor(Y[i : i + 8], dtype=np.int64))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()


@pytest.mark.parametrize("sched_name", list(SCHEDULERS))
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_resuming_from_a_checkpoint_is_bit_identical(tmp_path, opt_name, sched_name):
    make_opt, make_sched = OPTIMIZERS[opt_name], SCHEDULERS[sched_name]
    whole = build(make_opt, make_sched)
    train(*whole, epochs=6)

    first = build(make_opt, make_sched)
    train(*first, epochs=3)
    model, opt, sched = first
    path = tmp_path / "ckpt.npz"
    microgradnn.save(
        {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "epoch": 3},
        path,
    )
    del first, model, opt, sched

    resumed = build(make_opt, make_sched)
    model, opt, sched = resumed
    ckpt = microgradnn.load(path)
    assert ckpt["epoch"] == 3 and isinstance(ckpt["epoch"], int)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    train(*resumed, epochs=6 - ckpt["epoch"])

    for (name, a), (_, b) in zip(whole[0].named_parameters(), model.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert whole[1].lr == opt.lr


def test_resuming_a_scalar_mlp_with_adam_is_bit_identical(tmp_path):
    def run(net, opt, steps):
        for _ in range(steps):
            loss = (net([Value(1.0), Value(-2.0)]) - 1.0) ** 2
            opt.zero_grad()
            loss.backward()
            opt.step()

    whole = MLP(2, [4, 1], seed=0)
    opt = optim.Adam(whole.parameters(), lr=0.05)
    run(whole, opt, 10)
    half = MLP(2, [4, 1], seed=0)
    half_opt = optim.Adam(half.parameters(), lr=0.05)
    run(half, half_opt, 5)
    microgradnn.save(half_opt, tmp_path / "opt.npz")  # an optimizer saves on its own
    microgradnn.save(half, tmp_path / "net.npz")
    net = MLP(2, [4, 1], seed=7)
    net.load_state_dict(microgradnn.load(tmp_path / "net.npz"))
    net_opt = optim.Adam(net.parameters(), lr=0.05)
    net_opt.load_state_dict(microgradnn.load(tmp_path / "opt.npz"))
    run(net, net_opt, 5)
    assert [p.data for p in net.parameters()] == [p.data for p in whole.parameters()]


def test_optimizer_state_dict_holds_copies_and_hyperparameters():
    w = Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.ones(3)
    opt.step()
    state = opt.state_dict()
    assert state["type"] == "SGD" and state["lr"] == 0.1 and state["num_params"] == 1
    assert state["hyperparameters"] == {
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    }
    state["state"]["0"]["momentum_buffer"][0] = 99.0  # a copy: the optimizer's buffer is untouched
    assert opt.state[0]["momentum_buffer"][0] == 1.0


def test_a_bad_optimizer_state_changes_nothing():
    w = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.ones(3)
    opt.step()
    good = opt.state_dict()
    before = opt.state_dict()
    bad = {**good, "lr": 0.5, "state": {"0": {**good["state"]["0"], "exp_avg": np.ones(4)}}}
    with pytest.raises(ValueError, match=r"exp_avg has shape \(4,\).*parameter has shape \(3,\)"):
        opt.load_state_dict(bad)
    assert opt.lr == 0.1
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], before["state"]["0"]["exp_avg"])
    with pytest.raises(ValueError, match="saved from 'Adam', not 'SGD'"):
        optim.SGD([w], lr=0.1).load_state_dict(good)
    with pytest.raises(ValueError, match="is for 1 parameters, this optimizer has 2"):
        optim.Adam([w, Tensor(np.ones(1), requires_grad=True)]).load_state_dict(good)
    with pytest.raises(ValueError, match="beta1 must be >= 0 and < 1"):
        opt.load_state_dict({**good, "hyperparameters": {**good["hyperparameters"], "betas": [2.0, 0.9]}})
    assert opt.betas == (0.9, 0.999)


def test_a_bad_scheduler_state_changes_nothing():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    sched.step()
    state = sched.state_dict()
    hyper = {"step_size": 2, "gamma": 0.5}
    assert state == {"type": "StepLR", "base_lr": 1.0, "last_epoch": 1, "hyperparameters": hyper}
    with pytest.raises(ValueError, match="last_epoch must be an int >= 0"):
        sched.load_state_dict({**state, "last_epoch": -3})
    with pytest.raises(ValueError, match="gamma must be > 0"):
        sched.load_state_dict({**state, "hyperparameters": {"step_size": 2, "gamma": float("inf")}})
    assert (sched.last_epoch, sched.gamma, opt.lr) == (1, 0.5, 1.0)
    sched.load_state_dict({**state, "last_epoch": 4})
    assert opt.lr == 0.25  # the optimizer follows the restored epoch


def test_checkpoint_round_trip_keeps_types_and_nesting(tmp_path):
    ckpt = {
        "model": {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3)},
        "meta": {"name": "xor", "epoch": 3, "best": 0.125, "done": False, "note": None, "sizes": [2, 2, 1]},
        "empty": {},
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    }
    microgradnn.save(ckpt, tmp_path / "c.npz")
    back = microgradnn.load(tmp_path / "c.npz")
    assert list(back) == list(ckpt)
    assert back["meta"] == ckpt["meta"]
    assert [type(v) for v in back["meta"].values()] == [str, int, float, bool, type(None), list]
    assert back["empty"] == {}
    np.testing.assert_array_equal(back["model"]["0.weight"], ckpt["model"]["0.weight"])
    assert back["model"]["0.weight"].dtype == np.float32
    np.testing.assert_array_equal(back["fortran"], ckpt["fortran"])


def test_nested_keys_cannot_hold_the_separator(tmp_path):
    with pytest.raises(ValueError, match=r"key 'a/b'.*nest a dict instead"):
        microgradnn.save({"a/b": np.ones(1)}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_modules_and_optimizers_inside_a_checkpoint_are_saved_as_their_state(tmp_path):
    model, opt, sched = build(OPTIMIZERS["adam"], SCHEDULERS["step"])
    train(model, opt, sched, 1)
    microgradnn.save({"model": model, "optimizer": opt, "scheduler": sched, "epoch": 1}, tmp_path / "c.npz")
    back = microgradnn.load(tmp_path / "c.npz")
    assert back["optimizer"]["type"] == "Adam" and back["scheduler"]["last_epoch"] == 1
    fresh, fresh_opt, _ = build(OPTIMIZERS["adam"], SCHEDULERS["step"])
    fresh.load_state_dict(back["model"])
    fresh_opt.load_state_dict(back["optimizer"])
    assert all(np.array_equal(a.data, b.data) for a, b in zip(model.parameters(), fresh.parameters()))


# ------------------------------------------------------------- round trips, property-tested

_keys = st.text(min_size=1, max_size=8).filter(lambda k: "/" not in k and "\x00" not in k and not k.startswith("__"))
_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.int8, np.uint16, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)
_leaves = st.one_of(
    _arrays,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=10),
    st.none(),
)
_trees = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=10,
)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, (list, tuple)):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return type(a) is type(b) and a == b


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], deadline=None)
@given(st.dictionaries(_keys, _trees, max_size=4))
@example(tree={"0": "\x00"})  # numpy's fixed-width text drops a trailing NUL (hypothesis found it)
@example(tree={"s": ["a\x00\x00", "é", ""]})
def test_any_checkpoint_round_trips_exactly(tmp_path, tree):
    path = tmp_path / "tree.npz"
    microgradnn.save(tree, path)
    back = microgradnn.load(path)
    assert _same(tree, back), (tree, back)


def test_text_kept_as_code_points_outside_unicode_is_refused(tmp_path):
    import io
    import zipfile

    path = tmp_path / "t.npz"
    microgradnn.save({"s": "a\x00"}, path)  # kept as code points, since it ends in a NUL
    members = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([97, 0x110000], dtype=np.uint32))
    members["s.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(LoadError, match="code point outside Unicode"):
        microgradnn.load(path)
