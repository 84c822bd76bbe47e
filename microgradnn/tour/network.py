"""The chapter's 2-2-1 network: inputs x1, x2 -> hidden a1, a2 -> output y'.

Names follow the chapter: w1, w2 weigh x1, x2 into a1 (bias b1); w3, w4
weigh them into a2 (bias b2); w5, w6 weigh a1, a2 into y' (bias b3).
The network is an ordinary `nn.MLP`; this module only gives its parameters
and nodes the chapter's names, so pictures and printouts use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microgradnn.nn import MLP
from microgradnn.scalar import Value

__all__ = ["HAND_WIRED_BIASES", "HAND_WIRED_WEIGHTS", "PARAMETER_NAMES", "Forward", "chapter_network", "forward"]

# a1 = step(x1 + x2 - 1.5) is AND, a2 = step(x1 + x2 - 0.5) is OR, y' = step(-a1 + a2 - 0.5) is XOR.
HAND_WIRED_WEIGHTS = [[[1.0, 1.0], [1.0, 1.0]], [[-1.0, 1.0]]]
HAND_WIRED_BIASES = [[-1.5, -0.5], [-0.5]]
PARAMETER_NAMES = ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3")


def chapter_network(
    activation: str, weights: Sequence[Sequence[Sequence[float]]], biases: Sequence[Sequence[float]]
) -> MLP:
    """MLP(2, [2, 1]) with every layer using `activation`, hand-set weights, and the chapter's names."""
    net = MLP(2, [2, 1], activation=activation, output_activation=activation, weights=weights, biases=biases)
    for name, param in zip(PARAMETER_NAMES, parameters(net)):
        param.label = name
    return net


def parameters(net: MLP) -> list[Value]:
    """The nine parameters in the chapter's order w1, w2, b1, w3, w4, b2, w5, w6, b3."""
    return [p for layer in net.layers for neuron in layer.neurons for p in (*neuron.w, neuron.b)]


@dataclass
class Forward:
    """One forward pass with every intermediate node named: z = w.x + b, a = f(z)."""

    x1: Value
    x2: Value
    z1: Value
    a1: Value
    z2: Value
    a2: Value
    z3: Value
    y_pred: Value


def forward(net: MLP, x1: float, x2: float) -> Forward:
    """Run `net` on (x1, x2) and label the nodes x1, x2, z1, a1, z2, a2, z3, y'."""
    inputs = [Value(float(x1), label="x1"), Value(float(x2), label="x2")]
    hidden = net.layers[0](inputs)
    y_pred = net.layers[1](hidden)
    a1, a2 = hidden
    for a, a_name, z_name in ((a1, "a1", "z1"), (a2, "a2", "z2"), (y_pred, "y'", "z3")):
        a.label = a_name
        a.parents[0].label = z_name  # the activation's one parent is the neuron's weighted sum
    return Forward(inputs[0], inputs[1], a1.parents[0], a1, a2.parents[0], a2, y_pred.parents[0], y_pred)
