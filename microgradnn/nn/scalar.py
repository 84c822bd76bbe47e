"""Scalar networks on `Value`: `Neuron`, `Layer`, `MLP`, as in micrograd.

A neuron computes a = f(w . x + b). The weighted sum is one n-ary node
(`Value.dot`), so a picture of the graph shows each neuron as "dot, then
activation", and backward visits one node per neuron instead of 2n.

Numbers given as a sample's inputs become one leaf Value each, labelled
``x1``, ``x2``, ... as in the chapter, shared by every neuron that reads them
(the picture of a network: each input feeds every neuron), so ``x1.grad``
after backward sums what every neuron sends back to it.

Defaults follow micrograd: weights drawn from U(-1, 1), biases 0, hidden
layers ReLU, the last layer linear. Weights can also be set by hand, which is
how the chapter's XOR network is built::

    net = MLP(2, [2, 1], activation="step",
              weights=[[[1, 1], [1, 1]], [[-1, 1]]], biases=[[-1.5, -0.5], [-0.5]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgradnn.nn.init import Seed, get_rng
from microgradnn.nn.module import Module
from microgradnn.scalar import Value
from microgradnn.scalar.functions import Dot
from microgradnn.scalar.value import _checked_float
from microgradnn.scopes import set_scopes, set_scopes_later

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron"]

# name -> the Value method that applies it (None: the identity).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "step": Value.step,
    "leaky_relu": Value.leaky_relu,
    "linear": None,
}

# Activations whose output can be negative or is unbounded above act as "scores";
# relu cannot output a negative score, so an MLP's last relu layer stays linear.
_LINEAR_OUTPUT_BY_DEFAULT = {"relu", "leaky_relu", "linear"}

ScalarInput = Sequence[Any] | np.ndarray | Value | float


def _check_size(value: Any, name: str, who: str) -> int:
    """A layer size: a whole number >= 1 (an int, not a float, a bool or a string)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"{who}: {name} must be a positive int, got {value!r} ({type(value).__name__}); e.g. MLP(2, [16, 16, 1])"
        )
    return int(value)


def _check_activation(activation: str, who: str) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"{who}: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    return activation


def _resolve_nonlin(activation: str, nonlin: bool | None, who: str) -> str:
    """micrograd's `nonlin=True/False` means relu/linear; it overrides `activation` when given."""
    if nonlin is None:
        return activation
    if not isinstance(nonlin, (bool, np.bool_)):
        raise TypeError(
            f"{who}: nonlin must be True (relu) or False (linear), as in micrograd, got {nonlin!r} "
            f"({type(nonlin).__name__}); for another activation pass it by name instead, e.g. activation='tanh'"
        )
    return "relu" if nonlin else "linear"


def _is_batch(x: Any) -> bool:
    """A 2-D input (rows of samples) rather than one sample."""
    if isinstance(x, np.ndarray):
        return x.ndim == 2
    return isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], (list, tuple, np.ndarray))


def _is_sample(x: Any) -> bool:
    """One sample's inputs: a list, a tuple or a 1-d array (not a string)."""
    if isinstance(x, np.ndarray):
        return x.ndim == 1
    return isinstance(x, Sequence) and not isinstance(x, str)


def _as_row(x: Any) -> Any:
    if isinstance(x, (Value, int, float, np.floating, np.integer)):
        return [x]
    return x


def _matrix(values: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """Hand-set weights or biases as a float array of exactly `shape`, or a clear error."""
    try:
        # Strings and bools are not numbers here, as for Value() and the inputs (numpy would read "1" as 1.0).
        if np.asarray(values).dtype.kind in "USb":
            raise TypeError
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        raise ValueError(f"{what}: expected numbers in shape {shape}, got {values!r} (ragged or not numeric)") from None
    except OverflowError:
        # (not shown: the repr of an int past 4300 digits raises)
        raise ValueError(f"{what}: a number in them is too large for a float (max about 1.8e308)") from None
    if array.shape != shape:
        raise ValueError(f"{what}: expected shape {shape}, got {array.shape} ({values!r})")
    return array


class _ScalarModule(Module):
    """Input handling shared by Neuron, Layer and MLP: a batch of rows maps row by row,
    and a row must hold exactly `nin` numbers or Values."""

    nin: int

    def __call__(self, x: ScalarInput) -> Any:
        """The output for one sample (a sequence of `nin` numbers or Values); a list of outputs for a batch."""
        if _is_batch(x):
            return self._rows(x)
        x = _as_row(x)
        if not _is_sample(x):
            if isinstance(x, np.ndarray) and x.ndim == 0:  # a 0-d array is one number, as a numpy scalar is
                return self(x.reshape(1))
            got = f"an array of shape {x.shape}" if isinstance(x, np.ndarray) else f"{type(x).__name__} {x!r}"
            raise TypeError(
                f"{self._signature()}: expected one sample ({self.nin} numbers or Values: a list or a 1-d array) or "
                f"a batch of them, got {got}; e.g. model({[0.5] * self.nin})"
            )
        if len(x) != self.nin:
            raise ValueError(self._width_message(x))
        # Each input becomes one leaf Value, shared by every neuron that reads it (as in a picture of the network).
        x = [v if type(v) is Value else _input_value(v, i, self) for i, v in enumerate(x)]
        made: list[Any] = []  # [path, node, path, node, ...]: each neuron's dot and activation, for the pictures
        out = self._forward(x, made)
        if made:
            _tag_scopes(made, out)
        return out

    def _rows(self, rows: Any) -> list[Any]:
        """One output per row of a batch; a bad row is named by its index."""
        out = []
        for i, row in enumerate(rows):
            try:
                if _is_batch(row):
                    raise TypeError(
                        f"{self._signature()}: expected one sample ({self.nin} numbers) per row, got rows of rows; "
                        "a batch is a list of samples (2-d), not deeper"
                    )
                out.append(self(row))
            except (TypeError, ValueError, OverflowError) as e:
                raise type(e)(f"{e} (in row {i} of the batch)") from None
        return out

    def _width_message(self, x: Any) -> str:
        numbers = "1 number" if self.nin == 1 else f"{self.nin} numbers"
        inputs = "1 input" if self.nin == 1 else f"{self.nin} inputs"
        message = f"{self._signature()}: expected {inputs}, got {len(x)}; pass {numbers} per sample"
        if self.nin == 1 and len(x) > 1:
            message += ", and a batch of one-input samples as rows, e.g. [[0.5], [1.5], [2.0]]"
        return message

    def _signature(self) -> str:
        raise NotImplementedError

    def _forward(self, x: list[Value], made: list[Any]) -> Any:
        """The output for one sample whose `nin` inputs are Values already. A neuron inside a model (one with a
        path) adds its path and nodes to `made`."""
        raise NotImplementedError


def _tag_scopes(made: list[Any], out: Any) -> None:
    """Record which neuron made each node of one call (scopes.py)."""
    if type(out) is not Value:  # several outputs: each neuron's activation keeps its dot alive
        it = iter(made)
        for path, z, _, a in zip(it, it, it, it):
            set_scopes((z, a), path, a)
        return
    anchor_path = None
    while made and made[-1] is out:  # the output anchors the note, which must hold it only by a weak reference
        anchor_path = made[-2]
        del made[-2:]
    set_scopes_later(made, out, anchor_path)  # the output depends on every other node of the call


def _input_value(v: Any, i: int, module: _ScalarModule) -> Value:
    data = _checked_float(v, f"{module._signature()} input x{i + 1}")  # Value()'s own check: a real number, not a bool
    return Value(data, label=f"x{i + 1}")  # x1, x2, ... as the chapter (and the network picture) name them


class Neuron(_ScalarModule):
    """One neuron: a = f(w . x + b) with `nin` weights w0..w{nin-1} and a bias b.

    `activation` is one of relu, tanh, sigmoid, step, leaky_relu, linear;
    `nonlin=True/False` (micrograd's keyword) means relu/linear.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        weights: Sequence[float] | None = None,
        bias: float | None = None,
        seed: Seed = None,
        nonlin: bool | None = None,
    ) -> None:
        super().__init__()
        self.nin = _check_size(nin, "nin", "Neuron")
        self.activation = _check_activation(_resolve_nonlin(activation, nonlin, "Neuron"), "Neuron")
        self._act = ACTIVATIONS[self.activation]
        if weights is None:
            w = get_rng(seed).uniform(-1.0, 1.0, size=self.nin)
        else:
            w = _matrix(weights, (self.nin,), f"Neuron(nin={self.nin}) weights")
        self.w = [Value(float(wi), label=f"w{i}") for i, wi in enumerate(w)]
        self.b = Value(0.0 if bias is None else float(_matrix(bias, (), f"Neuron(nin={self.nin}) bias")), label="b")

    @property
    def w(self) -> list[Value]:
        """The weights w0..w{nin-1}, in input order (a list, as in micrograd)."""
        return self._w

    @w.setter
    def w(self, weights: Sequence[Value]) -> None:
        weights = list(weights)
        if len(weights) != self.nin or not all(isinstance(v, Value) for v in weights):
            raise ValueError(
                f"Neuron(nin={self.nin}): w must be a list of {self.nin} Values, got {weights!r}; "
                "to change the numbers write neuron.w[i].data = ..."
            )
        # Each weight is registered on its own, so state_dict names them "w0", "w1", ... (then "b").
        for i, wi in enumerate(weights):
            setattr(self, f"w{i}", wi)
        object.__setattr__(self, "_w", weights)

    def __setattr__(self, name: str, value: Any) -> None:
        # b must stay a registered Value: a plain number would drop it from parameters() and break the forward.
        if name == "b" and not isinstance(value, Value):
            raise TypeError(
                f"Neuron(nin={self.nin}): b must be a Value, got {type(value).__name__} ({value!r}); "
                f"to change its number write neuron.b.data = {value!r}"
            )
        super().__setattr__(name, value)

    def _signature(self) -> str:
        return f"Neuron(nin={self.nin})"

    def _forward(self, x: list[Value], made: list[Any]) -> Value:
        """f(w . x + b) for one sample."""
        z = Dot.apply(*self._w, *x, self.b)  # the weighted sum w . x + b as one node (Value.dot without its checks)
        a = z if self._act is None else self._act(z)
        if self._path:
            path = self._path
            made += path, z, path, a
        return a

    def extra_repr(self) -> str:
        return f"nin={self.nin}, activation={self.activation!r}"


class Layer(_ScalarModule):
    """`nout` neurons that all read the same `nin` inputs; one output is returned as a Value, as in micrograd."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        weights: Sequence[Sequence[float]] | None = None,
        biases: Sequence[float] | None = None,
        seed: Seed = None,
        nonlin: bool | None = None,
    ) -> None:
        super().__init__()
        self.nin, self.nout = _check_size(nin, "nin", "Layer"), _check_size(nout, "nout", "Layer")
        self.activation = _check_activation(_resolve_nonlin(activation, nonlin, "Layer"), "Layer")
        w = None if weights is None else _matrix(weights, (self.nout, self.nin), "Layer weights (nout x nin)")
        b = None if biases is None else _matrix(biases, (self.nout,), "Layer biases (nout)")
        rng = get_rng(seed)
        self.neurons = [
            Neuron(
                self.nin,
                self.activation,
                weights=None if w is None else w[i],
                bias=None if b is None else b[i],
                seed=rng,
            )
            for i in range(self.nout)
        ]

    def _signature(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout})"

    def _forward(self, x: list[Value], made: list[Any]) -> Any:
        """Every neuron's output for one sample (a Value if nout == 1)."""
        out = self._outputs(x, made)
        return out[0] if len(out) == 1 else out

    def _outputs(self, x: list[Value], made: list[Any]) -> list[Value]:
        """Every neuron's output for one sample, as a list."""
        return [n._forward(x, made) for n in self.neurons]

    def extra_repr(self) -> str:
        return f"nin={self.nin}, nout={self.nout}, activation={self.activation!r}"


class MLP(_ScalarModule):
    """A multi-layer perceptron of `Layer`s: sizes nin -> nouts[0] -> ... -> nouts[-1].

    `activation` is used by the hidden layers. `output_activation` (the last
    layer's) defaults to:

    * "linear" when `activation` is relu, leaky_relu or linear (micrograd's
      MLP: hidden ReLU, linear scores out, since relu cannot output a negative score);
    * `activation` itself otherwise (step, sigmoid, tanh): every layer squashes,
      as in the chapter's step network and micrograd's tanh lecture network.

    `weights[l]` is layer l's (nout x nin) matrix and `biases[l]` its nout
    biases; leave either out for micrograd's U(-1, 1) weights and zero biases.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int] | int,
        activation: str = "relu",
        output_activation: str | None = None,
        *,
        weights: Sequence[Any] | None = None,
        biases: Sequence[Any] | None = None,
        seed: Seed = None,
    ) -> None:
        super().__init__()
        if isinstance(nouts, (int, np.integer)) and not isinstance(nouts, bool):
            nouts = [nouts]
        elif isinstance(nouts, (list, tuple, np.ndarray)):
            nouts = list(nouts)
        else:
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes, got {nouts!r} ({type(nouts).__name__}); "
                "e.g. MLP(2, [16, 16, 1])"
            )
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size, got []; e.g. MLP(2, [16, 16, 1])")
        self.nin = _check_size(nin, "nin", "MLP")
        self.nouts = [_check_size(n, f"nouts[{i}]", "MLP") for i, n in enumerate(nouts)]
        self.activation = _check_activation(activation, "MLP")
        if output_activation is None:
            output_activation = "linear" if activation in _LINEAR_OUTPUT_BY_DEFAULT else activation
        self.output_activation = _check_activation(output_activation, "MLP output_activation")
        for what, given in (("weights", weights), ("biases", biases)):
            if given is not None and (not isinstance(given, (Sequence, np.ndarray)) or isinstance(given, str)):
                raise TypeError(
                    f"MLP: {what} must be a list with one entry per layer, got {given!r} ({type(given).__name__}); "
                    "e.g. MLP(2, [2, 1], weights=[[[1, 1], [1, 1]], [[-1, 1]]], biases=[[-1.5, -0.5], [-0.5]])"
                )
            if given is not None and len(given) != len(nouts):
                raise ValueError(
                    f"MLP: {what} has {len(given)} entries but the MLP has {len(nouts)} layers; give one per layer"
                )
        sizes = [self.nin, *self.nouts]
        rng = get_rng(seed)
        layers = []
        for i in range(len(nouts)):
            last = i == len(nouts) - 1
            try:
                layers.append(
                    Layer(
                        sizes[i],
                        sizes[i + 1],
                        self.output_activation if last else self.activation,
                        weights=None if weights is None else weights[i],
                        biases=None if biases is None else biases[i],
                        seed=rng,
                    )
                )
            except ValueError as e:
                raise ValueError(f"MLP layer {i}: {e}") from None
        self.layers = layers

    def _signature(self) -> str:
        return f"MLP(nin={self.nin})"

    def _forward(self, x: list[Value], made: list[Any]) -> Any:
        """The last layer's output for one sample (a Value for one output)."""
        for layer in self.layers:
            x = layer._outputs(x, made)
        return x[0] if len(x) == 1 else x

    def extra_repr(self) -> str:
        return f"nin={self.nin}, nouts={self.nouts}"
