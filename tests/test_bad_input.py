"""The bad-input catalogue: one row per bad call, each asserting the exception type and that the message names
the function, the offending value (or shape) and the fix.

To add rows, append `Bad(...)` entries to a section list (or a new section, then list it in `SECTIONS`):

    Bad("what is wrong, as the test id", lambda: the_call(...), ErrorType,
        function="the name the message must give", value="the offending value or shape", fix="words of the fix")

Each of `function`, `value` and `fix` is a substring the message must contain. A row must not be accepted
silently (that fails as "DID NOT RAISE") nor fail with another exception type.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import microgradnn
from microgradnn import Tensor, Value, data, nn, optim
from microgradnn.cli import main
from microgradnn.expression import ExpressionError, evaluate, parse_assignments
from microgradnn.nn import (
    MLP,
    Dropout,
    Flatten,
    Layer,
    LeakyReLU,
    Linear,
    Module,
    ModuleList,
    Neuron,
    ReLU,
    Sequential,
    Softmax,
    init,
)
from microgradnn.nn import functional as F
from microgradnn.serialization import FORMAT_KEY, LoadError
from microgradnn.training import accuracy, fit


@dataclass(frozen=True)
class Bad:
    """One bad call and what its error must say."""

    id: str
    call: Callable[[], object]
    error: type[BaseException]
    function: str
    value: str
    fix: str


INF, NAN = math.inf, math.nan
X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y4 = np.array([0.0, 1.0, 1.0, 0.0])
TMP = Path(tempfile.mkdtemp(prefix="microgradnn-bad-input-"))


def _w(*shape: int) -> Tensor:
    return Tensor(np.ones(shape), requires_grad=True)


def _sgd(**kwargs: object) -> optim.SGD:
    return optim.SGD([Value(1.0)], **{"lr": 0.1, **kwargs})


def _adam(cls: type = optim.Adam, **kwargs: object) -> optim.Adam:
    return cls([Value(1.0)], **kwargs)


def _set_attr(obj: object, name: str, value: object) -> None:
    setattr(obj, name, value)


def _module_with(name: str, value: object) -> Module:
    m = Module()
    setattr(m, name, value)
    return m


def _step_with_grad(grad: np.ndarray) -> None:
    w = _w(3)
    opt = optim.SGD([w], lr=0.1)
    w.grad = grad
    opt.step()


def _step_value_grad(grad: object) -> None:
    v = Value(1.0)
    opt = optim.SGD([v], lr=0.1)
    v.grad = grad
    opt.step()


def _opt_state(**changes: object) -> None:
    w = _w(3)
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.ones(3)
    opt.step()
    state = opt.state_dict()
    state.update(changes)
    optim.Adam([w] + ([_w(1)] if changes.pop("extra_param", False) else []), lr=0.1).load_state_dict(state)


def _sched_state(**changes: object) -> None:
    sched = optim.StepLR(_sgd(), step_size=2)
    state = {**sched.state_dict(), **changes}
    sched.load_state_dict(state)


def _fit(**kwargs: object) -> object:
    net = Sequential(Linear(2, 1, seed=0, dtype=np.float64))
    args: dict = {
        "model": net,
        "loss_fn": F.mse_loss,
        "optimizer": optim.SGD(net.parameters(), lr=0.1),
        "data": (X4, Y4.reshape(-1, 1)),
    }
    args.update(kwargs)
    return fit(**args)


def _file(name: str, members: dict[str, bytes], marker: bool = True, compression: int = zipfile.ZIP_STORED) -> Path:
    path = TMP / name
    with zipfile.ZipFile(path, "w", compression) as archive:
        if marker:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.array(1))
            archive.writestr(f"{FORMAT_KEY}.npy", buffer.getvalue())
        for member, raw in members.items():
            archive.writestr(member, raw)
    return path


def _npy_header(header: str) -> bytes:
    text = (header + "\n").encode("latin1")
    if len(text) < 65535:
        return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text
    return b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _load_written(name: str, write: Callable[[Path], None], **limits: int) -> object:
    path = TMP / name
    write(path)
    return microgradnn.load(path, **limits)


class UsageError(Exception):
    """The command line answered exit code 2; the message is what it printed on stderr (one line)."""


def _cli(*argv: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([*argv])
    text = err.getvalue()
    assert text.count("\n") == 1, text  # one line
    if code == 2:
        raise UsageError(text.strip())
    raise AssertionError(f"exit code {code}, not 2: {text}")


def _cli_train(*argv: str) -> None:
    _cli("train", "xor", "--out", str(TMP / "train"), *argv)


def _cli_train_on(dataset: str, *argv: str) -> None:
    _cli("train", dataset, "--out", str(TMP / "train"), *argv)


def _cli_graph(formula: str, *argv: str) -> None:
    _cli("graph", formula, "--out", str(TMP / "g.dot"), *argv)


# -------------------------------------------------------------------------------- nn
NN = [
    Bad("MLP nin float", lambda: MLP(2.7, [3]), ValueError, "MLP", "2.7", "e.g. MLP(2"),
    Bad("MLP nin bool", lambda: MLP(True, [3]), ValueError, "MLP", "True", "e.g. MLP(2"),
    Bad("MLP nin zero", lambda: MLP(0, [3]), ValueError, "MLP", "got 0", "positive int"),
    Bad("MLP nout string", lambda: MLP(2, ["3"]), ValueError, "MLP", "'3'", "e.g. MLP(2"),
    Bad("MLP nout zero", lambda: MLP(2, [4, 0]), ValueError, "MLP", "nouts[1]", "positive int"),
    Bad("MLP nouts a string", lambda: MLP(2, "3"), TypeError, "MLP", "'3'", "list of layer sizes"),
    Bad("MLP nouts empty", lambda: MLP(2, []), ValueError, "MLP", "got []", "e.g. MLP(2, [16, 16, 1])"),
    Bad("MLP activation", lambda: MLP(2, [1], activation="softplus"), ValueError, "MLP", "'softplus'", "choose one of"),
    Bad("MLP output activation", lambda: MLP(2, [1], output_activation=3), ValueError, "MLP", "3", "choose one of"),
    Bad("MLP weights count", lambda: MLP(2, [2, 1], weights=[[[1, 1]]]), ValueError, "MLP", "1 entries", "one per"),
    Bad("MLP wrong input width", lambda: MLP(2, [1], seed=0)([1.0]), ValueError, "MLP(nin=2)", "got 1", "2 numbers"),
    Bad("Neuron nin zero", lambda: Neuron(0), ValueError, "Neuron", "got 0", "positive int"),
    Bad("Neuron weights shape", lambda: Neuron(2, weights=[1.0]), ValueError, "Neuron(nin=2)", "(1,)", "shape (2,)"),
    Bad("Neuron weights text", lambda: Neuron(2, weights=["a", "b"]), ValueError, "Neuron", "'a'", "numbers"),
    Bad("Neuron inputs", lambda: Neuron(2, seed=0)([1, 2, 3]), ValueError, "Neuron(nin=2)", "got 3", "2 numbers"),
    Bad("Layer nout zero", lambda: Layer(2, 0), ValueError, "Layer", "got 0", "positive int"),
    Bad("Layer nin float", lambda: Layer(2.5, 1), ValueError, "Layer", "2.5", "positive int"),
    Bad("Layer weights shape", lambda: Layer(2, 2, weights=[[1, 2]]), ValueError, "Layer weights", "(1, 2)", "(2, 2)"),
    Bad("Layer activation", lambda: Layer(2, 2, activation="gelu"), ValueError, "Layer", "'gelu'", "choose one of"),
    Bad("Linear zero features", lambda: Linear(0, 2), ValueError, "Linear", "got 0", "e.g. Linear(2, 16)"),
    Bad("Linear float features", lambda: Linear(2, 2.5), ValueError, "Linear", "2.5", "e.g. Linear(2, 16)"),
    Bad("Linear bool features", lambda: Linear(True, 2), ValueError, "Linear", "True", "positive int"),
    Bad("Linear int dtype", lambda: Linear(2, 2, dtype=int), TypeError, "Linear", "int64", "dtype=np.float32"),
    Bad("Linear bool dtype", lambda: Linear(2, 2, dtype=bool), TypeError, "Linear", "bool", "dtype=np.float32"),
    Bad("Linear unknown dtype", lambda: Linear(2, 2, dtype="foo"), TypeError, "Linear", "'foo'", "np.float32"),
    Bad("Linear init", lambda: Linear(2, 2, init="he"), ValueError, "Linear", "'he'", "choose one of"),
    Bad("Linear bias", lambda: Linear(2, 2, bias="yes"), TypeError, "Linear", "'yes'", "True or False"),
    Bad("Linear seed", lambda: Linear(2, 2, seed="a"), TypeError, "seed", "'a'", "e.g. seed=0"),
    Bad("Linear array input", lambda: Linear(2, 3)(np.ones((1, 2))), TypeError, "Linear(2 -> 3)", "ndarray", "Tensor("),
    Bad(
        "Linear width",
        lambda: Linear(2, 3)(Tensor(np.ones((1, 4)))),
        ValueError,
        "Linear(2 -> 3)",
        "(1, 4)",
        "2 features",
    ),
    Bad("Dropout p > 1", lambda: Dropout(1.5), ValueError, "Dropout", "1.5", "e.g. p=0.5"),
    Bad("Dropout p text", lambda: Dropout("a"), ValueError, "Dropout", "'a'", "e.g. p=0.5"),
    Bad("Dropout p nan", lambda: Dropout(NAN), ValueError, "Dropout", "nan", "in [0, 1]"),
    Bad("dropout of Values", lambda: F.dropout([Value(1.0)]), TypeError, "dropout", "list", "Tensor("),
    Bad("dropout of a Value", lambda: F.dropout(Value(1.0)), TypeError, "dropout", "Value", "works on Tensors"),
    Bad("dropout p negative", lambda: F.dropout(Tensor([1.0]), p=-0.1), ValueError, "dropout", "-0.1", "in [0, 1]"),
    Bad("relu of text", lambda: F.relu("a"), TypeError, "relu", "str", "expected a Value"),
    Bad("softmax empty", lambda: F.softmax([]), TypeError, "softmax", "list", "non-empty list of Values"),
    Bad("LeakyReLU slope", lambda: LeakyReLU("a"), TypeError, "LeakyReLU", "'a'", "negative_slope=0.01"),
    Bad("LeakyReLU inf", lambda: LeakyReLU(INF), TypeError, "LeakyReLU", "inf", "finite"),
    Bad("Softmax axis", lambda: Softmax(axis="a"), TypeError, "Softmax", "'a'", "axis=-1"),
    Bad("Flatten dim", lambda: Flatten(start_dim=1.5), TypeError, "Flatten", "1.5", "Flatten(start_dim=1)"),
    Bad("Sequential non-module", lambda: Sequential(Linear(2, 2), "relu"), TypeError, "Sequential", "'relu'", "ReLU()"),
    Bad("ModuleList append", lambda: ModuleList().append(3), TypeError, "ModuleList.append", "int", "Linear(2, 3)"),
    Bad("ModuleList index", lambda: ModuleList([ReLU()])[5], IndexError, "ModuleList", "index 5", "length 1"),
    Bad(
        "register_parameter",
        lambda: Module().register_parameter("w", 3),
        TypeError,
        "register_parameter('w')",
        "int",
        "requires_grad=True",
    ),
    Bad("register_module", lambda: Module().register_module("m", 3), TypeError, "register_module('m')", "3", "e.g."),
    Bad("dotted parameter name", lambda: _module_with("a.b", Value(1.0)), ValueError, "Module", "'a.b'", "'a_b'"),
    Bad("empty module name", lambda: _module_with("", ReLU()), ValueError, "Module", "''", "non-empty"),
    Bad(
        "load_state_dict of text",
        lambda: Linear(2, 2).load_state_dict("x"),
        TypeError,
        "load_state_dict",
        "str",
        "model.state_dict()",
    ),
    Bad(
        "load_state_dict keys",
        lambda: Linear(2, 2).load_state_dict({}),
        KeyError,
        "load_state_dict(Linear)",
        "'weight'",
        "strict=False",
    ),
    Bad(
        "load_state_dict shape",
        lambda: Linear(2, 2).load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(2)}),
        ValueError,
        "load_state_dict",
        "(3, 2)",
        "sizes it was saved with",
    ),
    Bad(
        "load_state_dict text",
        lambda: Linear(2, 2).load_state_dict({"weight": np.array([["a"] * 2] * 2), "bias": np.ones(2)}),
        TypeError,
        "load_state_dict",
        "<U1",
        "int or float arrays",
    ),
    Bad("init gain", lambda: init.calculate_gain("swish"), ValueError, "calculate_gain", "'swish'", "choose one of"),
    Bad("init seed negative", lambda: MLP(2, [1], seed=-1), ValueError, "seed", "-1", "e.g. seed=0"),
    Bad("uniform_ bound text", lambda: init.uniform_(_w(2, 2), a="x"), TypeError, "uniform_", "'x'", "e.g. a=1.0"),
    Bad("uniform_ a > b", lambda: init.uniform_(_w(2, 2), 1.0, -1.0), ValueError, "uniform_", "a=1.0", "a <= b"),
    Bad("normal_ std inf", lambda: init.normal_(_w(2, 2), std=INF), ValueError, "normal_", "inf", "std=1.0"),
    Bad("constant_ text", lambda: init.constant_(_w(2, 2), "x"), TypeError, "constant_", "'x'", "value=1.0"),
    Bad("init on a Value", lambda: init.uniform_(Value(1.0)), TypeError, "uniform_", "Value", "set v.data"),
    Bad("init fans", lambda: init.kaiming_uniform_(_w(3)), ValueError, "kaiming_uniform_", "(3,)", "at least 2 axes"),
    Bad(
        "cross_entropy float targets",
        lambda: F.cross_entropy(Tensor(np.ones((2, 3))), Tensor(np.array([0.0, 1.0]))),
        TypeError,
        "cross_entropy",
        "float",
        "y.astype(int)",
    ),
    Bad(
        "mse length",
        lambda: F.mse_loss([Value(1.0), Value(2.0)], [1.0]),
        ValueError,
        "mse_loss",
        "2 predictions but 1 targets",
        "one target per prediction",
    ),
    Bad(
        "bce outside [0, 1]",
        lambda: F.binary_cross_entropy([Value(2.0)], [1.0]),
        ValueError,
        "binary_cross_entropy",
        "2.0",
        "apply sigmoid first",
    ),
    Bad(
        "hinge labels",
        lambda: F.hinge_loss([Value(1.0)], [0.0]),
        ValueError,
        "hinge",
        "[0.]",
        "2*y - 1",
    ),
    Bad("MLP of None", lambda: MLP(2, [1])(None), TypeError, "MLP(nin=2)", "NoneType", "e.g. model([0.5, 0.5])"),
    Bad("MLP of a 3-d array", lambda: MLP(2, [1])(np.ones((1, 1, 2))), TypeError, "MLP(nin=2)", "shape", "array"),
    Bad("MLP weights a number", lambda: MLP(2, [1], weights=5), TypeError, "MLP", "5 (int)", "one entry per layer"),
    Bad("MLP biases a number", lambda: MLP(2, [1], biases=5), TypeError, "MLP", "5 (int)", "biases=[["),
    Bad("MSELoss of None", lambda: nn.MSELoss()(None, None), TypeError, "mse_loss", "NoneType", "model's output"),
    Bad("L1Loss of None", lambda: nn.L1Loss()(None, None), TypeError, "l1_loss", "NoneType", "model's output"),
    Bad("BCELoss of None", lambda: nn.BCELoss()(None, None), TypeError, "binary_cross_entropy", "None", "output"),
    Bad(
        "BCEWithLogitsLoss of None", lambda: nn.BCEWithLogitsLoss()(None, None), TypeError, "_logits", "None", "output"
    ),
    Bad("HingeLoss of None", lambda: nn.HingeLoss()(None, None), TypeError, "hinge_loss", "NoneType", "model's output"),
    Bad(
        "CrossEntropyLoss of None",
        lambda: nn.CrossEntropyLoss()(None, None),
        TypeError,
        "cross_entropy",
        "None",
        "Tensor(",
    ),
    Bad("NLLLoss of None", lambda: nn.NLLLoss()(None, None), TypeError, "nll_loss", "NoneType", "rows of Values"),
    Bad("mse_loss target None", lambda: F.mse_loss([Value(1.0)], None), TypeError, "mse_loss", "None", "the targets"),
    Bad("mse_loss Tensor, None", lambda: F.mse_loss(Tensor([1.0]), None), TypeError, "mse_loss", "NoneType", "(1,)"),
    Bad(
        "cross_entropy of plain floats",
        lambda: F.cross_entropy([[1.0, 2.0]], [0]),
        TypeError,
        "cross_entropy",
        "1.0 (float)",
        "use a Tensor: Tensor(scores)",
    ),
    Bad(
        "bce target None",
        lambda: F.binary_cross_entropy([Value(0.5)], [None]),
        TypeError,
        "binary_cross_entropy",
        "target 0 is None",
        "give numbers",
    ),
    Bad("Flatten of a list", lambda: Flatten()([1, 2]), TypeError, "Flatten", "list", "Tensor(X)"),
]

# ----------------------------------------------------------------------------- optim
OPTIM = [
    Bad("SGD lr inf", lambda: _sgd(lr=INF), ValueError, "SGD", "inf", "e.g. lr=0.01"),
    Bad("SGD lr nan", lambda: _sgd(lr=NAN), ValueError, "SGD", "nan", "e.g. lr=0.01"),
    Bad("SGD lr negative", lambda: _sgd(lr=-1), ValueError, "SGD", "-1", ">= 0"),
    Bad("SGD lr text", lambda: _sgd(lr="0.1"), TypeError, "SGD", "'0.1'", "must be a number"),
    Bad("SGD lr bool", lambda: _sgd(lr=True), TypeError, "SGD", "True", "must be a number"),
    Bad("SGD momentum inf", lambda: _sgd(momentum=INF), ValueError, "SGD", "inf", "momentum=0.9"),
    Bad("SGD momentum negative", lambda: _sgd(momentum=-0.5), ValueError, "SGD", "-0.5", "momentum=0.9"),
    Bad("SGD dampening nan", lambda: _sgd(dampening=NAN), ValueError, "SGD", "nan", "dampening=0.0"),
    Bad("SGD weight_decay inf", lambda: _sgd(weight_decay=INF), ValueError, "SGD", "inf", "e.g. 1e-4"),
    Bad("SGD weight_decay nan", lambda: _sgd(weight_decay=NAN), ValueError, "SGD", "nan", "e.g. 1e-4"),
    Bad("SGD weight_decay negative", lambda: _sgd(weight_decay=-1), ValueError, "SGD", "-1", ">= 0"),
    Bad("SGD nesterov text", lambda: _sgd(momentum=0.9, nesterov="yes"), TypeError, "SGD", "'yes'", "True or False"),
    Bad("SGD nesterov alone", lambda: _sgd(nesterov=True), ValueError, "SGD", "nesterov=True", "momentum > 0"),
    Bad("Adam lr inf", lambda: _adam(lr=INF), ValueError, "Adam", "inf", "e.g. lr=0.01"),
    Bad("Adam beta1 = 1", lambda: _adam(betas=(1.0, 0.9)), ValueError, "Adam", "beta1", "betas=(0.9, 0.999)"),
    Bad("Adam beta2 nan", lambda: _adam(betas=(0.9, NAN)), ValueError, "Adam", "nan", "betas=(0.9, 0.999)"),
    Bad("Adam betas single", lambda: _adam(betas=(0.9,)), TypeError, "Adam", "(0.9,)", "betas=(0.9, 0.999)"),
    Bad("Adam eps inf", lambda: _adam(eps=INF), ValueError, "Adam", "inf", "eps=1e-8"),
    Bad("Adam eps negative", lambda: _adam(eps=-1e-8), ValueError, "Adam", "-1e-08", "eps=1e-8"),
    Bad("Adam weight_decay inf", lambda: _adam(weight_decay=INF), ValueError, "Adam", "inf", "e.g. 1e-2"),
    Bad("Adam weight_decay nan", lambda: _adam(weight_decay=NAN), ValueError, "Adam", "nan", "e.g. 1e-2"),
    Bad("AdamW weight_decay inf", lambda: _adam(optim.AdamW, weight_decay=INF), ValueError, "AdamW", "inf", "1e-2"),
    Bad("AdamW weight_decay negative", lambda: _adam(optim.AdamW, weight_decay=-1), ValueError, "AdamW", "-1", ">="),
    Bad("AdamW lr nan", lambda: _adam(optim.AdamW, lr=NAN), ValueError, "AdamW", "nan", "e.g. lr=0.01"),
    Bad("lr set to inf", lambda: _set_attr(_sgd(), "lr", INF), ValueError, "SGD", "inf", "e.g. lr=0.01"),
    Bad("lr set to nan", lambda: _set_attr(_adam(), "lr", NAN), ValueError, "Adam", "nan", "e.g. lr=0.01"),
    Bad("empty params", lambda: optim.SGD([], lr=0.1), ValueError, "SGD", "empty parameter list", "model.parameters()"),
    Bad("model as params", lambda: optim.SGD(Linear(2, 2), lr=0.1), TypeError, "SGD", "not the model", "parameters()"),
    Bad("float as param", lambda: optim.SGD([1.0], lr=0.1), TypeError, "SGD", "float", "a Value or a Tensor"),
    Bad("param listed twice", lambda: optim.Adam([_w(1)] * 2), ValueError, "Adam", "parameter 1", "list it once"),
    Bad(
        "computed tensor as param",
        lambda: optim.SGD([_w(1) * 2], lr=0.1),
        ValueError,
        "SGD",
        "not a leaf",
        "pass the leaves",
    ),
    Bad(
        "param group without params",
        lambda: optim.SGD([{"lr": 0.1}], lr=0.1),
        ValueError,
        "SGD",
        "parameter group 0 has no 'params'",
        "a group's keys are",
    ),
    Bad(
        "grad as a list",
        lambda: _step_with_grad([1.0, 2.0, 3.0]),
        TypeError,
        "SGD.step",
        "list",
        "array of the parameter's shape",
    ),
    Bad("Value grad text", lambda: _step_value_grad("a"), TypeError, "SGD.step", "'a'", "must be a float"),
    Bad("grad shape", lambda: _step_with_grad(np.ones(4)), ValueError, "SGD.step", "(4,)", "they must match"),
    Bad(
        "opt state type",
        lambda: _opt_state(type="SGD"),
        ValueError,
        "Adam.load_state_dict",
        "'SGD'",
        "create a SGD optimizer",
    ),
    Bad(
        "opt state count",
        lambda: _opt_state(num_params=5),
        ValueError,
        "Adam.load_state_dict",
        "5 parameters",
        "same model.parameters()",
    ),
    Bad("opt state lr", lambda: _opt_state(lr=INF), ValueError, "Adam.load_state_dict", "inf", "e.g. lr=0.01"),
    Bad(
        "opt state buffer shape",
        lambda: _opt_state(state={"0": {"exp_avg": np.ones(2)}}),
        ValueError,
        "Adam.load_state_dict",
        "(2,)",
        "same shape",
    ),
    Bad(
        "opt state of text",
        lambda: optim.SGD([_w(1)], lr=0.1).load_state_dict("x"),
        TypeError,
        "SGD.load_state_dict",
        "str",
        "optimizer.state_dict()",
    ),
]

# ------------------------------------------------------------------------ schedulers
SCHEDULERS = [
    Bad("StepLR step_size 0", lambda: optim.StepLR(_sgd(), step_size=0), ValueError, "StepLR", "0", "step_size=10"),
    Bad("StepLR step_size float", lambda: optim.StepLR(_sgd(), 2.5), ValueError, "StepLR", "2.5", "step_size=10"),
    Bad("StepLR step_size bool", lambda: optim.StepLR(_sgd(), True), ValueError, "StepLR", "True", "int >= 1"),
    Bad("StepLR gamma inf", lambda: optim.StepLR(_sgd(), 2, gamma=INF), ValueError, "StepLR", "inf", "gamma=0.1"),
    Bad("StepLR gamma nan", lambda: optim.StepLR(_sgd(), 2, gamma=NAN), ValueError, "StepLR", "nan", "gamma=0.1"),
    Bad("StepLR gamma 0", lambda: optim.StepLR(_sgd(), 2, gamma=0), ValueError, "StepLR", "0.0", "> 0"),
    Bad(
        "ExponentialLR gamma inf",
        lambda: optim.ExponentialLR(_sgd(), INF),
        ValueError,
        "ExponentialLR",
        "inf",
        "gamma=0.95",
    ),
    Bad(
        "ExponentialLR gamma negative",
        lambda: optim.ExponentialLR(_sgd(), -0.5),
        ValueError,
        "ExponentialLR",
        "-0.5",
        "gamma=0.95",
    ),
    Bad("Cosine T_max 0", lambda: optim.CosineAnnealingLR(_sgd(), 0), ValueError, "CosineAnnealingLR", "0", "T_max=10"),
    Bad(
        "Cosine eta_min inf",
        lambda: optim.CosineAnnealingLR(_sgd(), 5, eta_min=INF),
        ValueError,
        "CosineAnnealingLR",
        "inf",
        "eta_min=0.0",
    ),
    Bad(
        "Cosine eta_min negative",
        lambda: optim.CosineAnnealingLR(_sgd(), 5, eta_min=-1),
        ValueError,
        "CosineAnnealingLR",
        "-1",
        "eta_min=0.0",
    ),
    Bad(
        "LinearLR start 0",
        lambda: optim.LinearLR(_sgd(), start_factor=0),
        ValueError,
        "LinearLR",
        "0.0",
        "start_factor=1.0",
    ),
    Bad(
        "LinearLR end inf",
        lambda: optim.LinearLR(_sgd(), end_factor=INF),
        ValueError,
        "LinearLR",
        "inf",
        "end_factor=0.1",
    ),
    Bad(
        "LinearLR iters 0", lambda: optim.LinearLR(_sgd(), total_iters=0), ValueError, "LinearLR", "0", "total_iters=10"
    ),
    Bad(
        "LambdaLR not callable",
        lambda: optim.LambdaLR(_sgd(), 3),
        TypeError,
        "LambdaLR",
        "3",
        "lambda epoch: 0.95 ** epoch",
    ),
    Bad(
        "LambdaLR gives nan",
        lambda: optim.LambdaLR(_sgd(), lambda e: NAN),
        ValueError,
        "LambdaLR",
        "lr=nan",
        "check the schedule",
    ),
    Bad(
        "LambdaLR gives text",
        lambda: optim.LambdaLR(_sgd(), lambda e: "x"),
        TypeError,
        "LambdaLR",
        "'x'",
        "return a number",
    ),
    Bad(
        "scheduler without optimizer",
        lambda: optim.StepLR("sgd", 1),
        TypeError,
        "StepLR",
        "str",
        "StepLR(opt, step_size=10)",
    ),
    Bad(
        "scheduler state epoch",
        lambda: _sched_state(last_epoch=-1),
        ValueError,
        "StepLR.load_state_dict",
        "-1",
        "last_epoch=10",
    ),
    Bad(
        "scheduler state type",
        lambda: _sched_state(type="LinearLR"),
        ValueError,
        "StepLR.load_state_dict",
        "'LinearLR'",
        "create a LinearLR",
    ),
]

# ------------------------------------------------------------------------------- fit
FIT = [
    Bad("fit optimizer", lambda: _fit(optimizer="sgd"), TypeError, "fit", "str", "optim.SGD(model.parameters()"),
    Bad("fit epochs 0", lambda: _fit(epochs=0), ValueError, "fit", "got 0", "epochs=100"),
    Bad("fit epochs float", lambda: _fit(epochs=2.5), ValueError, "fit", "2.5", "epochs=100"),
    Bad("fit epochs bool", lambda: _fit(epochs=True), ValueError, "fit", "True", "int >= 1"),
    Bad("fit batch_size 0", lambda: _fit(batch_size=0), ValueError, "fit", "got 0", "or None"),
    Bad("fit data one array", lambda: _fit(data=X4), TypeError, "fit", "(4, 2)", "data=(X, y)"),
    Bad("fit data three arrays", lambda: _fit(data=[X4, Y4, Y4]), TypeError, "fit", "batch 1", "data=(X, y)"),
    Bad("fit data rows", lambda: _fit(data=(X4, Y4[:3])), ValueError, "fit", "4 rows but y has 3", "must match"),
    Bad("fit data number", lambda: _fit(data=3), TypeError, "fit", "int", "(X, y)"),
    Bad(
        "fit generator data",
        lambda: _fit(data=iter([(X4, Y4)]), epochs=2),
        TypeError,
        "fit",
        "one-shot iterator",
        "a list of batches",
    ),
    Bad(
        "fit batch_size with batches",
        lambda: _fit(data=[(X4, Y4)], batch_size=2),
        ValueError,
        "fit",
        "batch_size",
        "already made",
    ),
    Bad("fit loss returns float", lambda: _fit(loss_fn=lambda o, t: 1.0), TypeError, "fit", "float", "F.mse_loss"),
    Bad(
        "fit loss returns vector", lambda: _fit(loss_fn=lambda o, t: o), ValueError, "fit", "(4, 1)", "reduction='mean'"
    ),
    Bad("fit accuracy", lambda: _fit(accuracy="top5"), ValueError, "fit", "'top5'", "'auto', a function or None"),
    Bad("fit scheduler", lambda: _fit(scheduler="cosine"), TypeError, "fit", "str", "scheduler"),
    Bad("fit callback", lambda: _fit(callback=3), TypeError, "fit", "int", "(epoch, history)"),
    Bad("fit val_data", lambda: _fit(val_data=X4), TypeError, "fit", "ndarray", "(X_val, y_val)"),
    Bad("fit seed", lambda: _fit(seed=-1), ValueError, "fit", "-1", "seed=0"),
    Bad(
        "accuracy of text",
        lambda: accuracy(np.array(["a"]), np.array([1])),
        TypeError,
        "accuracy",
        "<U1",
        "the model's outputs",
    ),
    Bad("fit model", lambda: _fit(model=3), TypeError, "fit", "int", "a Module or a function"),
    Bad("fit loss_fn", lambda: _fit(loss_fn="mse"), TypeError, "fit", "str", "F.mse_loss"),
]

# ------------------------------------------------------------------------ save / load
SAVE_LOAD = [
    Bad("save a list", lambda: microgradnn.save([1, 2], TMP / "x.npz"), TypeError, "save", "list", "a dict of arrays"),
    Bad(
        "save int key",
        lambda: microgradnn.save({1: np.ones(1)}, TMP / "x.npz"),
        TypeError,
        "save",
        "1",
        "non-empty strings",
    ),
    Bad(
        "save slash key",
        lambda: microgradnn.save({"a/b": np.ones(1)}, TMP / "x.npz"),
        ValueError,
        "save",
        "'a/b'",
        "nest a dict instead",
    ),
    Bad(
        "save reserved key",
        lambda: microgradnn.save({FORMAT_KEY: 1}, TMP / "x.npz"),
        ValueError,
        "save",
        FORMAT_KEY,
        "reserved",
    ),
    Bad(
        "save object array",
        lambda: microgradnn.save({"x": np.array([object()])}, TMP / "x.npz"),
        TypeError,
        "save",
        "dtype object",
        "np.asarray(x, dtype=float)",
    ),
    Bad(
        "save text array",
        lambda: microgradnn.save({"x": np.array(["a"])}, TMP / "x.npz"),
        TypeError,
        "save",
        "<U1",
        "as a Python str",
    ),
    Bad(
        "save huge int",
        lambda: microgradnn.save({"x": 2**70}, TMP / "x.npz"),
        OverflowError,
        "save",
        str(2**70),
        "store it as a string",
    ),
    Bad(
        "save complex",
        lambda: microgradnn.save({"x": np.array([1j])}, TMP / "x.npz"),
        TypeError,
        "save",
        "complex128",
        "dtype=float",
    ),
    Bad(
        "save missing folder",
        lambda: microgradnn.save({"x": 1}, TMP / "nope" / "x.npz"),
        FileNotFoundError,
        "save",
        "nope",
        "os.makedirs",
    ),
    Bad(
        "save onto a folder",
        lambda: microgradnn.save({"x": 1}, TMP),
        IsADirectoryError,
        "save",
        str(TMP),
        "give a file name",
    ),
    Bad("save a class", lambda: microgradnn.save(Linear, TMP / "x.npz"), TypeError, "save", "type", "a dict of arrays"),
    Bad(
        "load missing",
        lambda: microgradnn.load(TMP / "missing.npz"),
        FileNotFoundError,
        "load",
        "missing.npz",
        "no file",
    ),
    Bad(
        "load text file",
        lambda: _load_written("t.npz", lambda p: p.write_text("hello")),
        LoadError,
        "load",
        "t.npz",
        "microgradnn.save",
    ),
    Bad(
        "load pickle",
        lambda: _load_written("p.npz", lambda p: p.write_bytes(b"\x80\x04K\x01.")),
        LoadError,
        "load",
        "p.npz",
        "never unpickles",
    ),
    Bad(
        "load one npy",
        lambda: _load_written("one.npy", lambda p: np.save(p, np.ones(2))),
        LoadError,
        "load",
        "one.npy",
        "an .npz archive",
    ),
    Bad(
        "load no marker",
        lambda: microgradnn.load(_file("nomark.npz", {"w.npy": _npy(np.ones(1))}, marker=False)),
        LoadError,
        "load",
        "nomark.npz",
        "microgradnn.save",
    ),
    Bad(
        "load member without suffix",
        lambda: microgradnn.load(_file("suffix.npz", {"w": b"raw"})),
        LoadError,
        "load",
        "'w'",
        "only .npy members",
    ),
    Bad(
        "load object member",
        lambda: microgradnn.load(_file("obj.npz", {"w.npy": _npy(np.array([{}]), True)})),
        LoadError,
        "load",
        "entry 'w'",
        "unpickling can run arbitrary code",
    ),
    Bad(
        "load header too large",
        lambda: microgradnn.load(
            _file(
                "hdr.npz",
                {"w.npy": _npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}" + " " * 2**20)},
            )
        ),
        LoadError,
        "load",
        "'w.npy'",
        "pass a larger max_header",
    ),
    Bad(
        "load 4e9 elements",
        lambda: microgradnn.load(
            _file("big.npz", {"w.npy": _npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000,)}")})
        ),
        LoadError,
        "load",
        "'w.npy'",
        "pass a larger max_elements",
    ),
    Bad(
        "load past max_bytes",
        lambda: microgradnn.load(_file("bytes.npz", {"w.npy": _npy(np.zeros(10_000))}), max_bytes=1000),
        LoadError,
        "load",
        "max_bytes=1000",
        "pass a larger max_bytes",
    ),
    Bad(
        "load newer format",
        lambda: _load_written("v9.npz", lambda p: np.savez(p, **{FORMAT_KEY: np.array(9)})),
        LoadError,
        "load",
        "version array(9)",
        "upgrade microgradnn",
    ),
    Bad(
        "load bad limit",
        lambda: microgradnn.load(TMP / "x.npz", max_bytes=-1),
        ValueError,
        "load",
        "-1",
        "positive int",
    ),
    Bad(
        "load unknown limit",
        lambda: microgradnn.load(TMP / "x.npz", max_size=1),
        TypeError,
        "load",
        "'max_size'",
        "the limits are",
    ),
    Bad(
        "load lying shape",
        lambda: microgradnn.load(
            _file("lie.npz", {"w.npy": _npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}") + b"x"})
        ),
        LoadError,
        "load",
        "shape (3,)",
        "damaged file",
    ),
]

# ------------------------------------------------------------------------------ data
DATA = [
    Bad("moons one sample", lambda: data.moons(1), ValueError, "moons", "got 1", "n_samples=2"),
    Bad("moons float samples", lambda: data.moons(2.5), ValueError, "moons", "2.5", "n_samples=2"),
    Bad("moons too many", lambda: data.moons(10**9), ValueError, "moons", str(10**9), "toy datasets"),
    Bad("moons noise negative", lambda: data.moons(noise=-1), ValueError, "moons", "-1", "noise=0.1"),
    Bad("moons noise text", lambda: data.moons(noise="a"), TypeError, "moons", "'a'", "noise=0.1"),
    Bad("moons noise inf", lambda: data.moons(noise=INF), ValueError, "moons", "inf", "noise=0.1"),
    Bad("moons seed negative", lambda: data.moons(seed=-1), ValueError, "moons", "-1", "seed=0"),
    Bad("moons seed text", lambda: data.moons(seed="a"), ValueError, "moons", "'a'", "seed=0"),
    Bad("circles factor", lambda: data.circles(factor=1.5), ValueError, "circles", "1.5", "factor=0.5"),
    Bad("circles factor text", lambda: data.circles(factor="a"), ValueError, "circles", "'a'", "factor=0.5"),
    Bad("spiral one class", lambda: data.spiral(n_classes=1), ValueError, "spiral", "got 1", "n_classes=2"),
    Bad("spiral classes text", lambda: data.spiral(n_classes="3"), ValueError, "spiral", "'3'", "n_classes=2"),
    Bad("blobs no centers", lambda: data.blobs(centers=0), ValueError, "blobs", "got 0", "centers=2"),
    Bad("blobs centers shape", lambda: data.blobs(centers=[1.0, 2.0]), ValueError, "blobs", "(2,)", "(k, n_features)"),
    Bad("blobs std", lambda: data.blobs(cluster_std=-1), ValueError, "blobs", "-1", "cluster_std=1.0"),
    Bad("blobs box", lambda: data.blobs(center_box=(1,)), ValueError, "blobs", "(1,)", "e.g. (-10, 10)"),
    Bad("blobs features", lambda: data.blobs(n_features=0), ValueError, "blobs", "got 0", "n_features=2"),
    Bad("batches size 0", lambda: data.batches(X4, Y4, 0), ValueError, "batches", "got 0", "batch_size=32"),
    Bad("batches rows", lambda: data.batches(X4, Y4[:3], 2), ValueError, "batches", "4 rows but y has 3", "must match"),
    Bad("batches numbers", lambda: data.batches(1.0, 2.0, 1), ValueError, "batches", "()", "pass arrays"),
    Bad("truth table", lambda: data.truth_table("nand"), ValueError, "truth_table", "'nand'", "choose one of"),
]

# ----------------------------------------------------------------------- command line
CLI = [
    Bad("train seed negative", lambda: _cli_train("--seed", "-1"), UsageError, "microgradnn train", "'-1'", "--seed 0"),
    Bad(
        "train hidden zero",
        lambda: _cli_train("--hidden", "0"),
        UsageError,
        "microgradnn train",
        "'0'",
        "--hidden none",
    ),
    Bad(
        "train hidden text",
        lambda: _cli_train("--hidden", "16,x"),
        UsageError,
        "microgradnn train",
        "'16,x'",
        "e.g. 16,16",
    ),
    Bad(
        "train hidden huge",
        lambda: _cli_train("--hidden", "99999"),
        UsageError,
        "microgradnn train",
        "'99999'",
        "between 1 and 4096",
    ),
    Bad("train lr inf", lambda: _cli_train("--lr", "inf"), UsageError, "microgradnn train", "'inf'", "positive number"),
    Bad("train lr zero", lambda: _cli_train("--lr", "0"), UsageError, "microgradnn train", "'0'", "positive number"),
    Bad("train lr text", lambda: _cli_train("--lr", "fast"), UsageError, "microgradnn train", "'fast'", "--help"),
    Bad("train epochs zero", lambda: _cli_train("--epochs", "0"), UsageError, "microgradnn train", "'0'", "at least 1"),
    Bad(
        "train epochs float",
        lambda: _cli_train("--epochs", "2.5"),
        UsageError,
        "microgradnn train",
        "'2.5'",
        "whole number",
    ),
    Bad(
        "train too few samples",
        lambda: _cli_train_on("spiral", "--samples", "2"),
        UsageError,
        "microgradnn train",
        "--samples 2",
        "e.g. --samples 200",
    ),
    Bad(
        "train too many samples",
        lambda: _cli_train_on("moons", "--samples", "999999999"),
        UsageError,
        "microgradnn train",
        "999999999",
        "e.g. --samples 200",
    ),
    Bad("train dataset", lambda: _cli("train", "mnist"), UsageError, "microgradnn train", "'mnist'", "choose from"),
    Bad(
        "train optimizer",
        lambda: _cli_train("--optimizer", "lbfgs"),
        UsageError,
        "microgradnn train",
        "'lbfgs'",
        "choose from",
    ),
    Bad(
        "train out is a file",
        lambda: _cli("train", "xor", "--out", __file__),
        UsageError,
        "microgradnn train",
        "test_bad_input.py",
        "give a folder",
    ),
    Bad(
        "graph extension",
        lambda: _cli("graph", "x", "--set", "x=1", "--out", "g.jpg"),
        UsageError,
        "microgradnn graph",
        "'.jpg'",
        "use one of",
    ),
    Bad(
        "graph set value",
        lambda: _cli_graph("x", "--set", "x=abc"),
        UsageError,
        "microgradnn graph",
        "'abc'",
        "NAME=NUMBER" if False else "not a number",
    ),
    Bad(
        "graph unknown name",
        lambda: _cli_graph("x + y", "--set", "x=1"),
        UsageError,
        "microgradnn graph",
        "'y'",
        "--set y=1.0",
    ),
    Bad(
        "graph eval",
        lambda: _cli_graph("eval('1')"),
        UsageError,
        "microgradnn graph",
        "eval(...)",
        "the allowed ones are",
    ),
    Bad(
        "graph log domain",
        lambda: _cli_graph("log(x)", "--set", "x=-1"),
        UsageError,
        "microgradnn graph",
        "'log(x)'",
        "need x > 0",
    ),
    Bad("main of a string", lambda: main("graph x"), TypeError, "main", "'graph x'", "['graph', 'x']"),
    Bad("no command", lambda: _cli(), UsageError, "microgradnn", "choose a command", "tour, graph or train"),
    Bad("unknown command", lambda: _cli("fly"), UsageError, "microgradnn", "'fly'", "choose from"),
]

# ------------------------------------------------------------------------ expressions
EXPRESSION = [
    Bad("xor as power", lambda: evaluate("x ^ 2", {"x": 1.0}), ExpressionError, "'x ^ 2'", "'^'", "x**2"),
    Bad("matmul", lambda: evaluate("x @ x", {"x": 1.0}), ExpressionError, "'x @ x'", "'@'", "use '*'"),
    Bad("floor division", lambda: evaluate("x // 2", {"x": 1.0}), ExpressionError, "'x // 2'", "'//'", "use '/'"),
    Bad("remainder", lambda: evaluate("x % 2", {"x": 1.0}), ExpressionError, "'x % 2'", "'%'", "use + - * / **"),
    Bad(
        "unknown function",
        lambda: evaluate("foo(x)", {"x": 1.0}),
        ExpressionError,
        "foo(...)",
        "foo",
        "the allowed ones are",
    ),
    Bad(
        "two arguments",
        lambda: evaluate("tanh(x, x)", {"x": 1.0}),
        ExpressionError,
        "tanh",
        "'tanh(x, x)'",
        "exactly one argument",
    ),
    Bad(
        "method call",
        lambda: evaluate("x.exp()", {"x": 1.0}),
        ExpressionError,
        "'x.exp()'",
        "method calls",
        "write exp(...)",
    ),
    Bad("attribute", lambda: evaluate("x.data", {"x": 1.0}), ExpressionError, "'x.data'", "attribute", "functions are"),
    Bad("comparison", lambda: evaluate("x < 1", {"x": 1.0}), ExpressionError, "'x < 1'", "comparisons", "not allowed"),
    Bad("list", lambda: evaluate("[x]", {"x": 1.0}), ExpressionError, "'[x]'", "List", "use numbers, names"),
    Bad("string", lambda: evaluate("'a'", {}), ExpressionError, "\"'a'\"", "constants", "only real numbers"),
    Bad("lambda", lambda: evaluate("lambda: 1", {}), ExpressionError, "'lambda: 1'", "Lambda", "use numbers"),
    Bad("unknown name", lambda: evaluate("z + 1", {}), ExpressionError, "unknown name", "'z'", "--set z=1.0"),
    Bad("function as name", lambda: evaluate("tanh + 1", {}), ExpressionError, "'tanh'", "is a function", "tanh(x)"),
    Bad("log of zero", lambda: evaluate("log(x)", {"x": 0.0}), ExpressionError, "'log(x)'", "log", "need x > 0"),
    Bad("not a string", lambda: evaluate(3, {}), ExpressionError, "expression", "int", "must be a string"),
    Bad(
        "too long",
        lambda: evaluate("x+" * 1500 + "x", {"x": 1.0}),
        ExpressionError,
        "expression",
        "3001",
        "limit is 2000",
    ),
    Bad(
        "too deep",
        lambda: evaluate("tanh(" * 250 + "x" + ")" * 250, {"x": 1.0}),
        ExpressionError,
        "expression",
        "200 levels",
        "split it",
    ),
    Bad("syntax", lambda: evaluate("x +", {"x": 1.0}), ExpressionError, "cannot parse", "'x +'", "e.g. tanh(x*w + b)"),
    Bad(
        "variable value",
        lambda: evaluate("x", {"x": "2"}),
        ExpressionError,
        "variable 'x'",
        "str",
        "a number or a Value",
    ),
    Bad(
        "variable name",
        lambda: evaluate("x", {"2x": 1.0}),
        ExpressionError,
        "variable name",
        "'2x'",
        "letters, digits and _",
    ),
    Bad("set without value", lambda: parse_assignments(["x"]), ExpressionError, "--set", "'x'", "NAME=NUMBER"),
    Bad("set text value", lambda: parse_assignments(["x=abc"]), ExpressionError, "--set", "'abc'", "is not a number"),
    Bad("set infinite", lambda: parse_assignments(["x=inf"]), ExpressionError, "--set", "'x=inf'", "finite"),
    Bad("set twice", lambda: parse_assignments(["x=1", "x=2"]), ExpressionError, "--set x", "twice", "keep one"),
    Bad(
        "set function name",
        lambda: parse_assignments(["tanh=1"]),
        ExpressionError,
        "'tanh'",
        "function name",
        "pick another name",
    ),
]

# The core: Value and Tensor, their ops and creation functions.
T23 = np.ones((2, 3))
CORE = [
    Bad("Value from a string", lambda: Value("3"), TypeError, function="Value()", value="'3'", fix="int or a float"),
    Bad("Value from a bool", lambda: Value(True), TypeError, function="Value()", value="True", fix="int or a float"),
    Bad("Value of a Value", lambda: Value(Value(1.0)), TypeError, function="Value()", value="already a Value",
        fix="Value(v.data)"),
    Bad("Value too large", lambda: Value(10**400), OverflowError, function="Value()", value="1000000", fix="scale"),
    Bad("Value label not str", lambda: Value(1.0, label=3), TypeError, function="Value()", value="3", fix="str"),
    Bad("Value + str", lambda: Value(1.0) + "a", TypeError, function="Value +", value="'a'", fix="a Value, an int"),
    Bad("Value * list", lambda: Value(1.0) * [1], TypeError, function="Value *", value="[1]", fix="a Value, an int"),
    Bad("Value + Tensor", lambda: Value(1.0) + Tensor([1.0]), TypeError, function="Value +", value="Tensor",
        fix="Tensor(v.data)"),
    Bad("leaky_relu slope str", lambda: Value(1.0).leaky_relu("a"), TypeError, function="leaky_relu",
        value="'a'", fix="int or a float"),
    Bad("dot lengths differ", lambda: Value.dot([Value(1.0)], [Value(1.0), Value(2.0)]), ValueError,
        function="Value dot", value="1 vs 2", fix="differ in length"),
    Bad("backward gradient str", lambda: Value(1.0).backward("1"), TypeError, function="backward(gradient)",
        value="'1'", fix="a Value, an int"),
    Bad("Tensor of a Tensor", lambda: Tensor(Tensor([1.0])), TypeError, function="Tensor()", value="already a Tensor",
        fix="t.detach()"),
    Bad("Tensor of a Value", lambda: Tensor(Value(1.0)), TypeError, function="Tensor()", value="Value",
        fix="Tensor(v.data)"),
    Bad("Tensor of strings", lambda: Tensor(["a"]), TypeError, function="Tensor()", value="dtype <U1",
        fix="must be numbers"),
    Bad("Tensor of complex", lambda: Tensor([1 + 5j]), TypeError, function="Tensor()", value="complex",
        fix="x.real"),
    Bad("Tensor + complex array", lambda: Tensor([1.0]) + np.array([1 + 5j]), TypeError, function="Tensor +",
        value="complex128", fix="x.real"),
    Bad("Tensor + complex number", lambda: Tensor([1.0]) + 1j, TypeError, function="Tensor +", value="complex",
        fix="x.real"),
    Bad("int tensor requires grad", lambda: Tensor([1, 2], requires_grad=True), TypeError, function="Tensor()",
        value="int64", fix="dtype=np.float32"),
    Bad("Tensor bad dtype", lambda: Tensor([1.0], dtype="nope"), TypeError, function="Tensor()", value="'nope'",
        fix="np.float32"),
    Bad("Tensor label not str", lambda: Tensor([1.0], label=1), TypeError, function="Tensor()", value="1",
        fix="str"),
    Bad("zeros from a string", lambda: microgradnn.tensor.zeros("34"), TypeError, function="zeros", value="'34'",
        fix="(2, 3)"),
    Bad("zeros negative", lambda: microgradnn.tensor.zeros(-1), ValueError, function="zeros", value="(-1,)",
        fix=">= 0"),
    Bad("ones float size", lambda: microgradnn.tensor.ones(2.5), TypeError, function="ones", value="2.5",
        fix="(2, 3)"),
    Bad("eye negative", lambda: microgradnn.tensor.eye(-1), ValueError, function="eye", value="(-1,)", fix=">= 0"),
    Bad("arange step 0", lambda: microgradnn.tensor.arange(0, 1, 0), ValueError, function="arange", value="step",
        fix="must not be 0"),
    Bad("arange string", lambda: microgradnn.tensor.arange("a"), TypeError, function="arange", value="'a'",
        fix="a number"),
    Bad("randn negative seed", lambda: microgradnn.tensor.randn(2, seed=-1), ValueError, function="seed",
        value="-1", fix=">= 0"),
    Bad("reshape from a string", lambda: Tensor(T23).reshape("32"), TypeError, function="reshape", value="'32'",
        fix="(2, 3)"),
    Bad("reshape -2", lambda: Tensor(T23).reshape(-2), ValueError, function="reshape", value="(-2,)",
        fix="at most one -1"),
    Bad("reshape 2.5", lambda: Tensor(T23).reshape(2.5), TypeError, function="reshape", value="2.5",
        fix="(2, 3)"),
    Bad("reshape wrong size", lambda: Tensor(T23).reshape(4, 2), ValueError, function="reshape", value="(2, 3)",
        fix="must stay the same"),
    Bad("sum axis string", lambda: Tensor(T23).sum(axis="a"), TypeError, function="sum", value="'a'",
        fix="an int or a tuple"),
    Bad("sum axis out of range", lambda: Tensor(T23).sum(axis=2), np.exceptions.AxisError, function="sum",
        value="(2, 3)", fix="from -2 to 1"),
    Bad("sum axis and dim", lambda: Tensor(T23).sum(axis=0, dim=1), TypeError, function="sum", value="dim",
        fix="not both"),
    Bad("sum axis twice", lambda: Tensor(T23).sum(axis=(0, 0)), ValueError, function="sum", value="(0, 0)",
        fix="same axis twice"),
    Bad("max of empty", lambda: Tensor(np.ones((0, 2))).max(axis=0), ValueError, function="max", value="(0, 2)",
        fix="no elements"),
    Bad("var no freedom", lambda: Tensor([1.0]).var(ddof=1), ValueError, function="var", value="ddof=1",
        fix="degrees of freedom"),
    Bad("clip tensor bound", lambda: Tensor([1.0]).clip(min=Tensor([0.0])), TypeError, function="clip",
        value="Tensor", fix="maximum(x, low)"),
    Bad("clip no bound", lambda: Tensor([1.0]).clip(), ValueError, function="clip", value="min, max",
        fix="give min, max or both"),
    Bad("add shapes", lambda: Tensor(T23) + Tensor(np.ones(2)), ValueError, function="Tensor +",
        value="(2, 3) and (2,)", fix="equal or 1"),
    Bad("matmul inner", lambda: Tensor(T23) @ Tensor(T23), ValueError, function="Tensor @",
        value="(2, 3) and (2, 3)", fix="transpose"),
    Bad("matmul 0-d", lambda: Tensor(1.0) @ Tensor(T23), ValueError, function="Tensor @", value="()",
        fix="use * to scale"),
    Bad("Tensor + Value", lambda: Tensor([1.0]) + Value(1.0), TypeError, function="Tensor +", value="Value",
        fix="Tensor(v.data)"),
    Bad("Tensor + str", lambda: Tensor([1.0]) + "a", TypeError, function="Tensor +", value="str",
        fix="a Tensor, a number or an array"),
    Bad("index out of range", lambda: Tensor(T23)[5], IndexError, function="Tensor indexing", value="(2, 3)",
        fix="out of bounds"),
    Bad("index with floats", lambda: Tensor(T23)[np.array([0.5])], IndexError, function="Tensor indexing",
        value="float64", fix="ints or bools"),
    Bad("permute not an order", lambda: Tensor(T23).permute(0, 0), ValueError, function="permute",
        value="(0, 0)", fix="ordering of the 2 axes"),
    Bad("transpose one axis", lambda: Tensor(T23).transpose(0), TypeError, function="transpose", value="axes",
        fix="give both"),
    Bad("squeeze size 3", lambda: Tensor(T23).squeeze(1), ValueError, function="squeeze", value="size 3",
        fix="only size-1 axes"),
    Bad("unsqueeze out of range", lambda: Tensor(T23).unsqueeze(5), np.exceptions.AxisError, function="unsqueeze",
        value="(2, 3)", fix="-3..2"),
    Bad("broadcast_to wrong", lambda: Tensor(T23).broadcast_to((4, 3, 2)), ValueError, function="broadcast_to",
        value="(2, 3)", fix="equal or 1"),
    Bad("concatenate mismatch", lambda: microgradnn.tensor.concatenate([Tensor(T23), Tensor(np.ones((2, 2)))],
        axis=0), ValueError, function="concatenate", value="(2, 2)", fix="must match except along that axis"),
    Bad("concatenate not a list", lambda: microgradnn.tensor.concatenate(Tensor(T23)), TypeError,
        function="concatenate", value="list of tensors", fix="concatenate([a, b]"),
    Bad("stack shapes", lambda: microgradnn.tensor.stack([Tensor(T23), Tensor(np.ones(3))]), ValueError,
        function="stack", value="(3,)", fix="the same shape"),
    Bad("where non-bool", lambda: microgradnn.tensor.where(np.ones(2), Tensor([1.0, 2.0]), 0.0), TypeError,
        function="where", value="float64", fix="x > 0"),
    Bad("item of many", lambda: Tensor(T23).item(), ValueError, function="item()", value="(2, 3)",
        fix="Reduce it first"),
    Bad("bool of many", lambda: bool(Tensor(T23)), ValueError, function="truth value", value="(2, 3)",
        fix=".any() or .all()"),
    Bad("len of 0-d", lambda: len(Tensor(1.0)), TypeError, function="len()", value="0-d", fix=".item()"),
    Bad("backward without grad", lambda: Tensor([1.0]).sum().backward(), RuntimeError, function="backward",
        value="does not require grad", fix="requires_grad=True"),
    Bad("backward non-scalar", lambda: (Tensor(T23, requires_grad=True) * 2).backward(), RuntimeError,
        function="backward", value="(2, 3)", fix="explicit gradient"),
    Bad("backward gradient shape", lambda: (Tensor(T23, requires_grad=True) * 2).backward(np.ones(3)), ValueError,
        function="backward", value="(3,)", fix="must be the same"),
    Bad("in-place on a parameter", lambda: Tensor([1.0], requires_grad=True).add_(1.0), RuntimeError,
        function="add_", value="requires grad", fix="no_grad()"),
    Bad("setitem on a parameter", lambda: Tensor([1.0], requires_grad=True).__setitem__(0, 2.0), RuntimeError,
        function="t[key] = value", value="requires grad", fix="no_grad()"),
    Bad("requires_grad on an op", lambda: (Tensor([1.0], requires_grad=True) * 2).requires_grad_(False),
        ValueError, function="requires_grad_", value="op's result", fix=".detach()"),
    Bad("numpy function unknown", lambda: np.fft.fft(Tensor([1.0, 2.0])), TypeError, function="np.fft",
        value="Tensor", fix="t.numpy()"),
    Bad("numpy ufunc unknown", lambda: np.spacing(Tensor([1.0])), TypeError, function="np.spacing", value="Tensor",
        fix="t.numpy()"),
    Bad("numpy out=", lambda: np.exp(Tensor([1.0], requires_grad=True), out=np.zeros(1)), TypeError,
        function="np.exp", value="out=", fix="use the result"),
    Bad("set_default_dtype int", lambda: microgradnn.set_default_dtype(np.int64), TypeError,
        function="set_default_dtype", value="int64", fix="np.float32"),
    Bad("Step.describe language", lambda: str(next(iter((Value(1.0) * 2).backward_steps())).describe("fr")),
        ValueError, function="Step.describe", value="'fr'", fix="one of"),
]  # fmt: skip


SECTIONS: dict[str, list[Bad]] = {
    "core": CORE,
    "nn": NN,
    "optim": OPTIM,
    "schedulers": SCHEDULERS,
    "fit": FIT,
    "save_load": SAVE_LOAD,
    "data": DATA,
    "cli": CLI,
    "expression": EXPRESSION,
}
CASES = [pytest.param(case, id=f"{section}: {case.id}") for section, cases in SECTIONS.items() for case in cases]


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(TMP, ignore_errors=True)


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 100
    ids = [c.values[0].id for c in CASES]
    assert len(ids) == len(set(ids)), "every row needs its own id"


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_a_clear_error(case: Bad) -> None:
    with np.errstate(all="ignore"), pytest.raises(BaseException) as info:
        case.call()
    error = info.value
    assert isinstance(error, case.error), f"{type(error).__name__}: {error}"
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    for what, part in (("the function", case.function), ("the value", case.value), ("the fix", case.fix)):
        assert part in message, f"the message does not name {what} ({part!r}): {message}"
