"""A Value whose .data was set to an int by hand (``neuron.b.data = 0``, as the lecture guide's hand-set weights
invite) computes and differentiates exactly as with the float; an empty dot product is the float 0.0."""

from __future__ import annotations

import math

import pytest

from microgradnn import Value

OPS = {
    "log": lambda a: a.log(),
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "relu then log": lambda a: a.relu().log(),
    "sqrt": lambda a: a.sqrt(),
    "1 / a": lambda a: 1.0 / a,
    "a / a": lambda a: a / (a + 1),
    "a ** -1": lambda a: a**-1,
    "a ** 2.5": lambda a: a**2.5,
    "2 ** a": lambda a: 2.0**a,
    "a ** a": lambda a: (a + 1) ** (a + 1),
}


def _same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


@pytest.mark.parametrize("number", [0, 2, 3, -1])
@pytest.mark.parametrize("op", OPS.values(), ids=OPS.keys())
def test_an_int_set_by_hand_works_as_its_float(op, number) -> None:
    results = []
    for data in (number, float(number)):
        a = Value(1.0)
        a.data = data  # by hand, bypassing the constructor's conversion
        out = op(a)
        out.backward()
        results.append((out.data, a.grad))
    (int_out, int_grad), (float_out, float_grad) = results
    assert _same(int_out, float_out) and _same(int_grad, float_grad)


def test_an_empty_dot_product_is_a_float() -> None:
    d = Value.dot([], [])
    assert type(d.data) is float and d.data == 0.0
    assert d.log().data == -math.inf  # log(0) = -inf, as for Value(0.0)
