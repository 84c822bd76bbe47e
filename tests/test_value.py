"""Value: construction, display, forward results, errors."""

import gc
import math

import pytest

from microgradnn import Value, no_grad


def test_issue_example():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.backward()
    t = math.tanh(2.0 * -3.0 + 6.88)
    assert y.data == pytest.approx(t)
    assert x.grad == pytest.approx((1 - t * t) * -3.0)
    assert w.grad == pytest.approx((1 - t * t) * 2.0)
    assert b.grad == pytest.approx(1 - t * t)


def test_node_fields():
    a, b = Value(3.0, label="a"), Value(4.0)
    c = a * b
    assert c.op == "*"
    assert c.parents == (a, b)
    assert c.local_derivatives == (4.0, 3.0)
    assert a.is_leaf and not c.is_leaf
    assert a.grad == 0.0
    assert isinstance(c.data, float)


def test_parents_keep_order_and_repeats():
    a = Value(3.0)
    s = a + a
    assert s.parents == (a, a)
    s.backward()
    assert a.grad == 2.0


def test_repr_shows_label_data_grad_op():
    v = Value(1.5, label="w") * 2
    v.label = "out"
    text = repr(v)
    assert "out" in text and "1.5" not in text and "3" in text and "grad=0" in text and "'*'" in text
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"


def test_comparisons_return_plain_bools():
    a, b = Value(1.0), Value(2.0)
    for result in (a < b, a <= 1, b > a, b >= 2.0, a != b, a == a):
        assert result is True
    assert (a > b) is False


def test_values_compare_equal_and_hash_by_identity():
    # Python's contract: a == b implies hash(a) == hash(b). Values are nodes, so both go by identity.
    a, b = Value(1.0), Value(1.0)
    assert a != b and a.data == b.data
    assert (a == 1.0) is False  # compare numbers with a.data == 1.0
    assert len({a, b}) == 2
    assert [a, b].index(b) == 1


def test_no_grad_records_nothing():
    a = Value(2.0)
    with no_grad():
        y = a * a + 1
    assert y.data == 5.0
    assert y.parents == () and y.op == ""
    y.backward()
    assert a.grad == 0.0


def test_sigmoid_is_stable_far_out():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(0.0).sigmoid().data == 0.5


def test_unary_forward_values():
    assert Value(-2.0).relu().data == 0.0
    assert Value(-2.0).leaky_relu(0.1).data == pytest.approx(-0.2)
    assert abs(Value(-2.0)).data == 2.0
    assert Value(4.0).sqrt().data == 2.0
    assert Value(math.e).log().data == pytest.approx(1.0)
    assert (2 ** Value(3.0)).data == 8.0
    assert (Value(-2.0) ** 3).data == -8.0
    assert Value(0.0).step().data == 1.0 and Value(-1e-9).step().data == 0.0


def test_item_and_float():
    v = Value(2.5)
    assert v.item() == 2.5 and float(v) == 2.5


def test_sum_with_start_and_dot_with_bias():
    xs = [Value(1.0), Value(2.0)]
    assert Value.sum(xs, start=10).data == 13.0
    d = Value.dot([Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)], bias=Value(0.5))
    assert d.data == 11.5 and len(d.parents) == 5 and d.op == "dot"


def test_nodes_form_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(100):
            y = (y * 2 + 1).tanh()
        y.backward()
        del x, y
        assert gc.collect() == 0  # everything was freed by reference counting alone
    finally:
        gc.enable()


# --- bad input -----------------------------------------------------------
@pytest.mark.parametrize("bad", ["3", None, [1.0], True])
def test_non_numeric_constructor_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Value"):
        Value(bad)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "r+", "r*", "r-", "r/", "r**"])
@pytest.mark.parametrize("bad", ["x", None, [1, 2]])
def test_non_numeric_operand_names_op_and_type(op, bad):
    v = Value(2.0)
    ops = {
        "+": lambda: v + bad,
        "-": lambda: v - bad,
        "*": lambda: v * bad,
        "/": lambda: v / bad,
        "**": lambda: v**bad,
        "r+": lambda: bad + v,
        "r*": lambda: bad * v,
        "r-": lambda: bad - v,
        "r/": lambda: bad / v,
        "r**": lambda: bad**v,
    }
    with pytest.raises(TypeError) as info:
        ops[op]()
    message = str(info.value)
    if bad != [1, 2] or op not in ("r*", "r+"):  # list * Value is list's own repetition error
        assert type(bad).__name__ in message


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Value(0.0).log(), -math.inf),
        (lambda: Value(-1.0).log(), math.nan),
        (lambda: Value(-4.0).sqrt(), math.nan),
        (lambda: Value(0.0) ** -1, math.inf),
        (lambda: Value(-8.0) ** (1 / 3), math.nan),
        (lambda: (-2) ** Value(0.5), math.nan),
        (lambda: Value(1.0) / 0, math.inf),
        (lambda: -1 / Value(0.0), -math.inf),
        (lambda: Value(0.0) / Value(0.0), math.nan),
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(-2.0) ** math.inf, math.inf),
        (lambda: Value(-2.0) ** math.nan, math.nan),
        (lambda: Value.sum([1e308, 1e308]), math.inf),
    ],
)
def test_domain_and_overflow_follow_ieee_floats_as_pytorch(make, expected):
    # Values spell division by zero and log(0) as Tensors do: inf and nan, never an exception.
    out = make().data
    assert (math.isnan(out) and math.isnan(expected)) or out == expected


def test_tiny_denominator_does_not_underflow_the_gradient():
    a, b = Value(1.0), Value(1e-160)
    (a / b).backward()
    assert b.grad == -math.inf or b.grad < -1e300  # d/db (a/b) = -a/b^2, huge but never a ZeroDivisionError
    assert a.grad == pytest.approx(1e160)


def test_detect_anomaly_catches_nan_and_inf_for_values_too():
    from microgradnn import detect_anomaly

    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"log produced inf in forward at test_value.py"):
        Value(0.0).log()
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt()  # sqrt(0) = 0 is finite; its slope is not
        with pytest.raises(FloatingPointError, match="backward of sqrt"):
            y.backward()
    assert x.grad == 0.0


def test_too_large_an_int_is_a_clear_error():
    with pytest.raises(OverflowError, match=r"Value\(\).*too large"):
        Value(10**400)


def test_error_leaves_nothing_half_updated():
    a = Value(2.0)
    b = a * 3
    b.backward()
    assert a.grad == 3.0
    with pytest.raises(TypeError):
        (b - 6).leaky_relu("a")
    with pytest.raises(TypeError):
        b.backward("1")
    assert a.grad == 3.0 and b.data == 6.0


def test_sum_and_dot_of_something_that_is_not_a_list_say_so():
    for op in (Value.sum, lambda v: Value.dot(v, [1.0])):
        for wrong in (None, 3.0, Value(1.0), "ab"):
            with pytest.raises(TypeError, match=r"Value\.(sum|dot): expected a list \(or other iterable\) of numbers"):
                op(wrong)
