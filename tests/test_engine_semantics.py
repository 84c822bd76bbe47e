"""Engine semantics that were silently wrong before the redesign, each pinned by a test."""

from __future__ import annotations

import gc
import math
import threading
import weakref

import numpy as np
import pytest

from microgradnn import Tensor, Value, enable_grad, is_grad_enabled, no_grad, optim
from microgradnn.engine import Function
from microgradnn.scalar.value import ScalarFunction
from microgradnn.tensor import TensorFunction


def test_grad_mode_is_per_thread():
    ready, done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def evaluator() -> None:
        with no_grad():
            ready.set()
            done.wait(5)

    t = threading.Thread(target=evaluator)
    t.start()
    ready.wait(5)
    w = Tensor([2.0], requires_grad=True)
    loss = (w * w).sum()  # recorded here, although the other thread is inside no_grad()
    seen.append(is_grad_enabled())
    loss.backward()
    done.set()
    t.join()
    assert seen == [True]
    np.testing.assert_array_equal(w.grad, [4.0])


def test_overlapping_no_grad_blocks_in_threads_leave_grad_mode_on():
    barrier = threading.Barrier(4)

    def work() -> None:
        for _ in range(50):
            with no_grad():
                barrier.wait(5) if _ == 0 else None

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator_with_and_without_parentheses_and_on_generators():
    @no_grad
    def bare() -> bool:
        return is_grad_enabled()

    @no_grad()
    def called() -> bool:
        return is_grad_enabled()

    @no_grad()
    def gen():
        yield is_grad_enabled()
        yield is_grad_enabled()

    assert bare() is False and called() is False and is_grad_enabled()
    g = gen()
    assert next(g) is False
    assert is_grad_enabled()  # between the generator's steps the caller's mode holds
    assert next(g) is False
    with no_grad():

        @enable_grad
        def inner() -> bool:
            return is_grad_enabled()

        assert inner() is True and not is_grad_enabled()


def test_a_saved_tensor_changed_in_place_makes_backward_raise():
    w = Tensor([[1.0, 2.0]], requires_grad=True, label="W1")
    x = Tensor([[3.0], [4.0]])
    loss = (w @ x).sum()
    loss.backward()
    opt = optim.SGD([w], lr=0.1)
    opt.step()
    opt.zero_grad()
    with pytest.raises(
        RuntimeError, match=r"(?i)'W1'.*of matmul was modified in place after it was used.*recompute the forward"
    ):
        loss.backward()  # would silently use the new W (the old bug halved dL/dW1 in a 2-layer net)
    assert w.grad is None  # nothing half-updated


def test_a_write_between_two_ops_is_caught_at_the_older_one_only():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    y = x * x  # saves x, then x changes
    with no_grad():
        x.add_(1.0)
    z = (y * x).sum()  # made after the write: it reads the new x, as its backward will
    with pytest.raises(RuntimeError, match=r"'x'.*of \* was modified in place"):
        z.backward()
    assert x.grad is None
    fresh = (x * x).sum()  # a graph made after the last write has nothing to check, and nothing is wrong
    fresh.backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_an_in_place_change_of_an_unsaved_input_is_fine():
    a = Tensor([1.0, 2.0], requires_grad=True)
    y = (a + 1.0).sum()  # + saves nothing
    with no_grad():
        a.add_(1.0)
    y.backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])


def test_abandoned_backward_steps_leave_every_gradient_as_it_was():
    x = Value(2.0)
    y = (x * 3).tanh() * x
    y.backward()
    before = x.grad
    steps = y.backward_steps()
    next(steps)
    next(steps)
    steps.close()  # abandoned part way, as a KeyboardInterrupt would
    assert x.grad == before

    class Interrupt(ScalarFunction):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, grad):
            raise KeyboardInterrupt

    z = Interrupt.apply(x * 2) + x
    with pytest.raises(KeyboardInterrupt):
        z.backward()
    assert x.grad == before


def test_a_pass_over_the_same_graph_undoes_a_paused_backward_steps_first():
    def graph():
        x, w = Value(2.0), Value(3.0)
        return x, w, (x * w).tanh() + x

    x0, w0, y0 = graph()
    y0.backward()
    x, w, y = graph()
    steps = y.backward_steps()
    next(steps)  # paused after the root's step: x already holds its share from y = ... + x
    y.backward()
    assert (x.grad, w.grad) == (x0.grad, w0.grad)  # as if the paused pass had never begun
    del steps  # dropping the paused pass (a notebook cell run again) keeps the finished one
    assert (x.grad, w.grad) == (x0.grad, w0.grad)
    steps = y.backward_steps()
    next(steps)
    list(y.backward_steps())  # a second pass of steps undoes the first, too
    with pytest.raises(RuntimeError, match=r"backward_steps: this pass was undone while it was paused"):
        next(steps)
    assert (x.grad, w.grad) == (2 * x0.grad, 2 * w0.grad)  # two whole passes: leaves accumulate


def test_a_paused_backward_steps_over_another_graph_is_left_alone():
    a = Value(2.0)
    first = (a * a).backward_steps()
    next(first)
    b = Value(3.0)
    (b * b).backward()
    assert [type(step).__name__ for step in first] == [] and a.grad == 4.0 and b.grad == 6.0


def test_undoing_a_paused_pass_leaves_a_later_paused_pass_over_other_nodes_alone():
    a, b = Value(2.0), Value(3.0)
    y1, y2 = (a * a).tanh(), (b * b).tanh()
    first, second = y1.backward_steps(), y2.backward_steps()
    next(first)
    next(second)  # begun after the first, over nodes of its own
    y1.backward()  # undoes the first only
    assert [step.index for step in second] == [1]  # the second goes on (it used to raise: "undone")
    assert b.grad == pytest.approx(2 * 3.0 * (1 - math.tanh(9.0) ** 2))
    with pytest.raises(RuntimeError, match="ran over some of its nodes"):
        next(first)


def test_a_backward_that_returns_too_few_gradients_is_named():
    class Short(ScalarFunction):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    a, b = Value(1.0), Value(2.0)
    with pytest.raises(RuntimeError, match=r"Short.backward returned 1 gradient\(s\) for 2 input\(s\)"):
        Short.apply(a, b).backward()
    assert a.grad == 0.0 and b.grad == 0.0


def test_value_sum_gives_start_its_gradient():
    a, b = Value(1.0), Value(5.0)
    s = Value.sum([a, a], start=b)
    s.backward()
    assert s.data == 7.0 and a.grad == 2.0 and b.grad == 1.0


def test_tensor_pow_at_zero_follows_pytorch():
    base = Tensor([0.0, 0.0], requires_grad=True)
    exponent = Tensor([0.0, -1.0], requires_grad=True)
    (base**exponent).sum().backward()
    assert base.grad[0] == 0.0  # 0 ** 0: d/dbase = 0
    assert np.isinf(exponent.grad[1])  # 0 ** -1: d/dexponent = inf * log(0) -> -inf
    assert exponent.grad[0] == 0.0
    tiny = Tensor([5e-324, 2.2e-313], dtype="float64", requires_grad=True)  # 1/tiny overflows: 0 * inf
    (tiny ** Tensor([0.0, 0.0], dtype="float64")).sum().backward()
    assert tiny.grad.tolist() == [0.0, 0.0]  # x ** 0 is constant, as PyTorch (hypothesis found 2.2e-313)


def test_a_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = Value(0.5)
        y = (x * x).tanh().exp() + x
        y.backward()
        probe = weakref.ref(y.parents[0])
        del y
        assert probe() is None
        t = Tensor(np.ones(3), requires_grad=True)
        out = (t.exp() * t).softmax().sum()
        out.backward()
        probe_t = weakref.ref(out.parents[0])
        del out
        assert probe_t() is None
    finally:
        gc.enable()


def test_every_op_is_a_function_named_after_itself():
    from microgradnn.scalar import functions as SF
    from microgradnn.tensor import primitives as TP

    x = Value(0.3)
    t = Tensor([0.3], requires_grad=True)
    made = {
        SF.Mul: x * 2, SF.Tanh: x.tanh(), SF.Exp: x.exp(), SF.Dot: Value.dot([x], [x]),
        TP.Tanh: t.tanh(), TP.MatMul: t @ t, TP.Sum: t.sum(), TP.Softmax: t.softmax(),
    }  # fmt: skip
    for fn, node in made.items():
        assert node.grad_fn is fn and issubclass(fn, Function)
        assert fn.forward.__qualname__.startswith(fn.__name__) and fn.backward.__qualname__.startswith(fn.__name__)
        assert ("f(" in fn.__doc__ and "f'" in fn.__doc__) or "df/d" in fn.__doc__ or "dL/d" in fn.__doc__
    assert issubclass(TP.Tanh, TensorFunction)


def test_a_gradient_graph_starts_at_the_first_contribution():
    x = Value(3.0, label="x")
    (x * x).backward(create_graph=True)
    assert x.grad.data == 6.0
    # d(x*x)/dx = g*x + g*x: one addition of the two contributions, no extra node for 0 + the first one.
    assert x.grad.op == "+" and [p.op for p in x.grad.parents] == ["*", "*"]


def test_second_derivatives_of_0d_tensors():
    # NumPy returns scalars from 0-d arithmetic; the saved output must still be the node's own array.
    x = Tensor(np.array(0.3), requires_grad=True)
    y = (x.exp() * x).tanh() / x.sqrt()
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()

    def first(v: float) -> float:
        u = np.exp(v) * v
        return ((1 - np.tanh(u) ** 2) * (np.exp(v) * (1 + v))) / np.sqrt(v) - 0.5 * np.tanh(u) * v**-1.5

    h = 1e-6
    assert abs(float(x.grad) - (first(0.3 + h) - first(0.3 - h)) / (2 * h)) < 1e-5


@pytest.mark.parametrize("make", [lambda: no_grad(3), lambda: no_grad(False), lambda: enable_grad("on")])
def test_a_grad_mode_block_given_a_non_function_names_the_fix(make):
    with pytest.raises(TypeError, match=r"write `with (no|enable)_grad\(\):`.*set_grad_enabled\(flag\)"):
        make()
    assert is_grad_enabled()
