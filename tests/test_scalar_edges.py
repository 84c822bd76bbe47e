"""Edge cases of the scalar nn (Neuron, Layer, MLP) and of the expression parser: clear errors, nothing half-done."""

import numpy as np
import pytest

from microgradnn import Value
from microgradnn.expression import ExpressionError, evaluate
from microgradnn.nn import MLP, Layer, Neuron


@pytest.mark.parametrize("nonlin", ["tanh", 0, 1, "yes"])
def test_nonlin_must_be_a_bool_as_in_micrograd(nonlin):
    with pytest.raises(TypeError, match=r"Neuron: nonlin must be True \(relu\) or False \(linear\).*activation="):
        Neuron(2, nonlin=nonlin)
    with pytest.raises(TypeError, match="Layer: nonlin must be True"):
        Layer(2, 3, nonlin=nonlin)
    assert Neuron(2, nonlin=np.bool_(False)).activation == "linear"


def test_assigning_a_number_to_a_bias_is_refused_and_leaves_the_neuron_working():
    n = Neuron(2, "linear", weights=[1.0, 1.0], bias=0.5)
    with pytest.raises(TypeError, match=r"Neuron\(nin=2\): b must be a Value, got float.*neuron\.b\.data = -1\.5"):
        n.b = -1.5
    assert [name for name, _ in n.named_parameters()] == ["w0", "w1", "b"]
    assert n([1.0, 2.0]).data == 3.5
    n.b = Value(2.0)
    assert n([1.0, 2.0]).data == 5.0 and n.parameters()[-1] is n.b


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(2, weights=["1", "2"]), r"Neuron\(nin=2\) weights: expected numbers"),
        (lambda: Neuron(2, weights=[True, False]), r"Neuron\(nin=2\) weights: expected numbers"),
        (lambda: Neuron(2, bias="1.0"), r"Neuron\(nin=2\) bias: expected numbers"),
        (lambda: Layer(2, 2, biases=["1", "2"]), r"Layer biases \(nout\): expected numbers"),
        (lambda: Neuron(2, weights=[10**400, 1]), r"Neuron\(nin=2\) weights: a number in them is too large"),
        (lambda: MLP(2, [2, 1], weights="ab"), r"MLP: weights must be a list with one entry per layer, got 'ab'"),
    ],
)
def test_hand_set_weights_must_be_numbers(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_bad_row_of_a_batch_is_named_by_its_index():
    model = MLP(3, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"expected 3 inputs, got 2.*\(in row 1 of the batch\)"):
        model([[1, 2, 3], [1, 2]])
    with pytest.raises(TypeError, match=r"input x2: data must be an int or a float, got str.*row 0 of the batch"):
        model(np.array([[1, "a", 3]], dtype=object))


def test_a_batch_is_two_dimensional_for_lists_as_for_arrays():
    model = MLP(3, [1], seed=0)
    with pytest.raises(TypeError, match="got an array of shape"):
        model(np.zeros((1, 2, 3)))
    with pytest.raises(TypeError, match=r"rows of rows.*not deeper.*row 0 of the batch"):
        model([[[1, 2, 3], [1, 2, 3]]])


def test_one_input_models_take_a_0d_array_and_hint_at_rows():
    n = Neuron(1, "linear", weights=[2.0])
    assert n(np.array(3.0)).data == 6.0 == n(np.float64(3.0)).data
    with pytest.raises(ValueError, match=r"expected 1 input, got 3; pass 1 number per sample.*\[\[0\.5\], \[1\.5\]"):
        n([1.0, 2.0, 3.0])


def test_neuron_weights_setter_says_how_to_change_the_numbers():
    n = Neuron(2)
    with pytest.raises(ValueError, match=r"w must be a list of 2 Values.*neuron\.w\[i\]\.data"):
        n.w = [1.0, 2.0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "variable 'x': the number is too large for a float"),
        (float("inf"), "variable 'x': the value must be a finite number, got inf"),
        (float("nan"), "variable 'x': the value must be a finite number, got nan"),
    ],
    ids=["10**400", "inf", "nan"],
)
def test_variables_are_finite_floats_as_for_set(value, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate("x - x", {"x": value})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.real", r"attribute access is not allowed; the functions are abs, exp.*called as tanh\(x\)"),
        ("x.foo()", r"method calls are not allowed; the functions are abs, exp"),
        ("x.tanh()", r"method calls are not allowed; write tanh\(\.\.\.\) as a function"),
        ("x.exp", r"attribute access is not allowed; write exp\(\.\.\.\) as a function"),
    ],
)
def test_attribute_hints_name_only_real_functions(text, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate(text, {"x": 1.0})


def test_a_syntax_error_on_a_later_line_names_the_line():
    with pytest.raises(ExpressionError, match="at line 2, column 1"):
        evaluate("x\n+1", {"x": 1.0})


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_huge_int_is_described_by_its_length_not_printed(digits):
    # repr of an int past 4300 digits raises ValueError in Python 3.11, so printing it broke the error itself.
    shown = rf"(1000+\.\.\. \()?an int of (about )?{digits + 1} digits\)?"  # its first digits, then its length
    with pytest.raises(OverflowError, match=rf"Value\(\): {shown} is too large"):
        Value(10**digits)


def test_hand_set_weights_with_a_huge_int_get_the_overflow_message():
    with pytest.raises(ValueError, match=r"Neuron\(nin=2\) weights: a number in them is too large for a float"):
        Neuron(2, weights=[10**5000, 1])
