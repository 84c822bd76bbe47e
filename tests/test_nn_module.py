"""Module: registration by attribute, dotted names, paths and scopes, state_dict, train/eval, repr."""

import weakref

import numpy as np
import pytest

from microgradnn import Tensor, Value
from microgradnn.engine import topological_order
from microgradnn.nn import MLP, Dropout, Linear, Module, ModuleList, Parameter, ReLU, Sequential
from microgradnn.scopes import scope_of


class Affine(Module):
    def __init__(self):
        super().__init__()
        self.w = Value(2.0, label="w")
        self.b = Value(1.0, label="b")
        self.note = "not a parameter"
        self.constant = Tensor([1.0])  # requires_grad=False: not a parameter

    def forward(self, x):
        return self.w * x + self.b


class Two(Module):
    def __init__(self):
        super().__init__()
        self.first = Affine()
        self.blocks = [Affine(), Affine()]  # a plain list of modules becomes a ModuleList

    def forward(self, x):
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return x


def test_attribute_assignment_registers_parameters_and_submodules():
    model = Two()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["first.w", "first.b", "blocks.0.w", "blocks.0.b", "blocks.1.w", "blocks.1.b"]
    assert isinstance(model.blocks, ModuleList) and len(model.blocks) == 2
    assert model.parameters()[0] is model.first.w
    assert [n for n, _ in model.named_modules()] == ["", "first", "blocks", "blocks.0", "blocks.1"]


def test_reassigning_an_attribute_replaces_the_registration():
    m = Affine()
    m.w = "plain"
    assert [n for n, _ in m.named_parameters()] == ["b"]
    m.w = Value(3.0)
    del m.b
    assert [n for n, _ in m.named_parameters()] == ["w"]


def test_shared_parameter_is_listed_once():
    m = Two()
    m.blocks[1].w = m.first.w
    assert len(m.parameters()) == 5


def test_assigning_before_super_init_is_a_clear_error():
    class Forgot(Module):
        def __init__(self):
            self.w = Value(1.0)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgot()


def test_paths_and_scopes_follow_the_model_tree():
    model = Two()
    assert model.blocks[1].path == "blocks.1"
    assert scope_of(model.blocks[1].w) == "blocks.1"
    out = model(Value(1.0))
    # the last op was made inside blocks.1
    assert scope_of(out) == "blocks.1"
    assert scope_of(out.parents[0]) == "blocks.1"


def test_scalar_mlp_nodes_carry_their_neuron_path():
    net = MLP(2, [2, 1], seed=0)
    out = net([Value(1.0), Value(2.0)])
    assert scope_of(out) == "layers.1.neurons.0"
    dot = out  # last layer is linear: the dot node is the output
    assert dot.op == "dot"
    hidden = [p for p in dot.parents if p.op == "relu"]  # the first layer's outputs
    assert [scope_of(h) for h in hidden] == ["layers.0.neurons.0", "layers.0.neurons.1"]
    assert scope_of(net.layers[0].neurons[1].b) == "layers.0.neurons.1"


def test_a_scalar_mlp_with_several_outputs_scopes_every_neuron():
    net = MLP(2, [2, 2], seed=0)
    outs = net([Value(1.0), Value(2.0)])
    assert [scope_of(o) for o in outs] == ["layers.1.neurons.0", "layers.1.neurons.1"]
    hidden = [p for p in outs[0].parents if p.op == "relu"]
    assert [scope_of(h) for h in hidden] == ["layers.0.neurons.0", "layers.0.neurons.1"]
    assert [scope_of(h.parents[0]) for h in hidden] == ["layers.0.neurons.0", "layers.0.neurons.1"]  # their dots


def test_tensor_nodes_are_scoped_by_the_innermost_module():
    model = Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 2, seed=1))
    out = model(Tensor(np.ones((5, 3))))
    assert out.op == "linear" and scope_of(out) == "2"
    relu = out.parents[0]  # linear(relu, W, b): one node per Linear layer
    assert relu.op == "relu" and scope_of(relu) == "1"
    assert relu.parents[0].op == "linear" and scope_of(relu.parents[0]) == "0"
    assert scope_of(model[0].weight) == "0" and model[0].weight.label == "weight"


def test_scopes_stop_at_the_inputs_and_skip_an_input_handed_back():
    class PassThrough(Module):
        def forward(self, x):
            return x

    class Outer(Module):
        def __init__(self):
            super().__init__()
            self.inner = Affine()
            self.skip = PassThrough()

        def forward(self, x):
            doubled = x * 2  # made here, outside any child: scoped as the model itself (None)
            return self.skip(self.inner(doubled)) + doubled

    x = Value(1.0) * 3  # an interior node made before the model: not the model's
    out = Outer()(x)
    assert scope_of(x) is None
    inner_out = out.parents[0]
    assert scope_of(inner_out) == "inner" and scope_of(inner_out.parents[0]) == "inner"  # w * x, then + b
    assert scope_of(out.parents[1]) is None  # the root module has no path, so nothing is tagged for it
    passed = PassThrough()
    passed._set_path("block")
    assert passed(x) is x and scope_of(x) is None  # handing back the input does not claim it


def test_zero_grad_resets_value_and_tensor_parameters():
    m = Affine()
    m(Value(3.0)).backward()
    assert m.w.grad == 3.0
    m.zero_grad()
    assert m.w.grad == 0.0
    lin = Linear(2, 1, seed=0)
    lin(Tensor(np.ones((1, 2)))).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None


def test_train_and_eval_reach_every_submodule():
    model = Sequential(Linear(2, 2), Dropout(0.5))
    assert model.training and model[1].training
    assert model.eval() is model
    assert not model[1].training
    model.train()
    assert model[1].training


def test_state_dict_is_a_copy_by_dotted_name():
    net = MLP(2, [2, 1], seed=0)
    state = net.state_dict()
    assert list(state)[:3] == ["layers.0.neurons.0.w0", "layers.0.neurons.0.w1", "layers.0.neurons.0.b"]
    assert state["layers.1.neurons.0.b"].shape == () and state["layers.1.neurons.0.b"].dtype == np.float64
    state["layers.0.neurons.0.w0"][...] = 99.0
    assert net.layers[0].neurons[0].w[0].data != 99.0
    lin = Linear(3, 2, seed=0)
    assert {k: v.shape for k, v in lin.state_dict().items()} == {"weight": (2, 3), "bias": (2,)}


def test_load_state_dict_copies_in_place():
    a, b = Linear(3, 2, seed=0), Linear(3, 2, seed=1)
    weight = b.weight
    b.load_state_dict(a.state_dict())
    assert b.weight is weight
    np.testing.assert_array_equal(b.weight.data, a.weight.data)
    n1, n2 = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    n2.load_state_dict(n1.state_dict())
    assert [p.data for p in n2.parameters()] == [p.data for p in n1.parameters()]


def test_load_state_dict_shape_mismatch_names_key_and_both_shapes_and_changes_nothing():
    lin = Linear(3, 2, seed=0)
    before = {k: v.copy() for k, v in lin.state_dict().items()}
    bad = {"weight": np.zeros((2, 3)), "bias": np.zeros(3)}
    with pytest.raises(ValueError, match=r"'bias'.*model has \(2,\).*state dict has \(3,\)"):
        lin.load_state_dict(bad)
    for k, v in lin.state_dict().items():  # weight was valid, yet not written: no half update
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_key_checks():
    lin = Linear(3, 2, seed=0)
    with pytest.raises(KeyError, match=r"missing: \['bias'\].*unexpected: \['extra'\]"):
        lin.load_state_dict({"weight": np.zeros((2, 3)), "extra": np.zeros(1)})
    result = lin.load_state_dict({"weight": np.zeros((2, 3)), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert np.all(lin.weight.data == 0)
    with pytest.raises(TypeError, match="dtype"):
        lin.load_state_dict({"weight": np.full((2, 3), "a"), "bias": np.zeros(2)})
    with pytest.raises(ValueError, match=r"model has \(\).*state dict has \(1,\)"):
        MLP(1, [1]).load_state_dict({"layers.0.neurons.0.w0": np.zeros(1), "layers.0.neurons.0.b": np.zeros(())})


def test_repr_is_a_tree():
    model = Sequential(Linear(2, 3), ReLU())
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)")
    text = repr(MLP(2, [16, 1]))
    assert "(0-15): 16 x Neuron(nin=2, activation='relu')" in text
    assert "(0): Neuron(nin=16, activation='linear')" in text


def test_parameter_helper_makes_a_trainable_tensor_keeping_float_dtype():
    p = Parameter(np.zeros(3, dtype=np.float64), label="w")
    assert p.requires_grad and p.data.dtype == np.float64 and p.label == "w"

    class Holder(Module):
        def __init__(self):
            super().__init__()
            self.p = p

    assert Holder().parameters() == [p]


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1)


def test_num_parameters():
    assert Linear(3, 2).num_parameters() == 8
    assert MLP(2, [16, 16, 1]).num_parameters() == 337


def test_replacing_a_parameter_keeps_its_place_in_the_order():
    m = Affine()
    m.w = Value(5.0)
    assert [n for n, _ in m.named_parameters()] == ["w", "b"]


# ------------------------------------------------- names and atomic loading
def test_a_dotted_parameter_name_is_refused_instead_of_colliding():
    # "a.weight" next to a submodule "a" (whose parameter is "weight") would give two parameters one state_dict key.
    class Clash(Module):
        def __init__(self):
            super().__init__()
            self.a = Linear(2, 2, seed=0)
            setattr(self, "a.weight", Value(1.0))

    with pytest.raises(ValueError, match=r"Clash: cannot register a parameter under the name 'a.weight'.*'a_weight'"):
        Clash()
    m = Module()
    with pytest.raises(ValueError, match=r"a submodule under the name 'x.y'"):
        m.register_module("x.y", Linear(1, 1))
    with pytest.raises(ValueError, match="names must be non-empty"):
        m.register_parameter("", Value(1.0))
    assert m.state_dict() == {}


class _FailingArray(np.ndarray):
    """An array whose in-place writes fail, like a parameter whose memory went away mid-load."""

    def __setitem__(self, key, value):
        raise MemoryError("simulated failure while writing")


def test_load_state_dict_undoes_the_writes_done_when_a_later_write_fails():
    model = Sequential(Linear(2, 3, seed=0), Linear(3, 1, seed=1))
    before = model.state_dict()
    model[1].bias.data = np.zeros(1).view(_FailingArray)
    new = {k: v + 1.0 for k, v in before.items()}
    with pytest.raises(MemoryError, match="simulated"):
        model.load_state_dict(new)
    for key, value in before.items():
        if key != "1.bias":
            assert np.array_equal(model.state_dict()[key], value), key  # the earlier writes were undone


def test_load_state_dict_refuses_a_read_only_parameter_before_writing():
    model = Sequential(Linear(2, 3, seed=0), Linear(3, 1, seed=1))
    before = model.state_dict()
    model[1].weight.data.flags.writeable = False
    with pytest.raises(ValueError, match=r"'1.weight' holds a read-only array.*writable copy"):
        model.load_state_dict({k: v + 1.0 for k, v in before.items()})
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items())


def test_load_state_dict_counts_as_an_in_place_write():
    # A graph built before loading saved the old weights: its backward must refuse, as after an optimizer step.
    lin = Linear(2, 1, seed=0)
    out = lin(Tensor(np.ones((1, 2)))).sum()
    lin.load_state_dict(lin.state_dict())
    with pytest.raises(RuntimeError, match="in place"):
        out.backward()


def test_the_scope_table_forgets_a_calls_nodes_when_its_graph_goes():
    from microgradnn import scopes
    from microgradnn.nn import MLP

    model = MLP(2, [3, 1], seed=0)
    scope_of(model.layers[0].neurons[0].b)  # tags what earlier calls left to tag later
    before = len(scopes._SCOPES), len(scopes._OWNER), len(scopes._CALLS)
    out = model([0.5, -0.5])
    hidden = [p for p in out.parents if p.op == "relu"]
    assert [scope_of(h) for h in hidden] == ["layers.0.neurons.0", "layers.0.neurons.1", "layers.0.neurons.2"]
    assert len(scopes._SCOPES) == before[0] + 3 * 2 + 1  # a dot and a relu per hidden neuron; the output: a dot
    del out, hidden  # no garbage collection needed: the graph goes by reference counting, its entries with it
    assert (len(scopes._SCOPES), len(scopes._OWNER), len(scopes._CALLS)) == before
    for _ in range(400):  # nothing piles up, call after call, whether or not a picture asks
        model([0.5, -0.5])
        scope_of(model([0.5, -0.5]))
    assert (len(scopes._SCOPES), len(scopes._OWNER), len(scopes._CALLS), len(scopes._LATER)) == (*before, 0)


def test_a_models_output_is_freed_when_dropped_even_if_no_picture_asked_for_scopes():
    import gc

    from microgradnn.nn import MLP

    model = MLP(2, [3, 1], seed=0)
    gc.disable()
    try:
        out = model([0.5, -0.5])
        probe, first_dot = weakref.ref(out), weakref.ref(out.parents[3].parents[0])
        del out  # the scope table holds the call's nodes until then, and the output itself only weakly
        assert probe() is None and first_dot() is None
    finally:
        gc.enable()


def test_a_tensor_models_graph_is_freed_with_no_picture_and_its_notes_go_with_it():
    import gc

    from microgradnn import scopes

    model = Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 2, seed=1))
    scope_of(model[0].weight)  # carries out what earlier tests left
    gc.disable()
    try:
        out = model(Tensor(np.ones((5, 3))))
        assert len(scopes._LATER) == 3  # one note per layer; Sequential's output already has one
        probe = weakref.ref(out.parents[0])
        del out
        assert probe() is None and len(scopes._LATER) == 0
    finally:
        gc.enable()


def test_an_earlier_calls_note_is_carried_out_before_a_later_call_tags_at_once():
    class Pair(Module):  # two outputs: this call tags at once, after the inner Linear's note
        def __init__(self):
            super().__init__()
            self.lin = Linear(3, 4, seed=0)

        def forward(self, x):
            h = self.lin(x)
            return h.relu(), h.exp()

    class Model(Module):
        def __init__(self):
            super().__init__()
            self.pair = Pair()

        def forward(self, x):
            return self.pair(x)

    a, b = Model()(Tensor(np.ones((2, 3))))
    h = a.parents[0]
    assert (scope_of(a), scope_of(b), scope_of(h)) == ("pair", "pair", "pair.lin")


def test_a_node_tagged_again_keeps_its_newer_scope_when_the_first_anchor_goes():
    from microgradnn.scopes import set_scopes

    node, first, second = Value(1.0), Value(2.0), Value(3.0)
    set_scopes((node,), "first", first)
    set_scopes((node,), "second", second)
    del first
    assert scope_of(node) == "second"
    del second
    assert scope_of(node) is None


def test_a_node_that_takes_a_dead_nodes_id_has_no_scope():
    from microgradnn.nn import MLP

    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -0.5])
    tagged = {id(n) for n in topological_order(out) if scope_of(n) and n._parents}
    del out  # the graph goes, and with it every node the call tagged
    fresh = [Value(1.0) * 2.0 for _ in range(2000)]  # made outside any module; CPython reuses the freed ids
    reused = [v for v in fresh if id(v) in tagged]
    assert reused, "no id was reused, so this test checks nothing"
    assert all(scope_of(v) is None for v in reused)


def test_a_ragged_state_dict_entry_is_named_and_nothing_changes():
    model = Sequential(Linear(1, 2, seed=0))
    before = model[0].weight.data.copy()
    with pytest.raises(ValueError, match=r"load_state_dict: '0.weight' is ragged \(rows of different lengths\)"):
        model.load_state_dict({"0.weight": [[1.0], [2.0, 3.0]]}, strict=False)
    np.testing.assert_array_equal(model[0].weight.data, before)
