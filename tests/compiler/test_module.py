"""``fhe.module`` / ``fhe.function``: functions compiled together, composition, shared keys."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


@fhe.module()
class Counter:
    @fhe.function({"x": "encrypted"})
    def inc(x):
        return (x + 1) % 20

    @fhe.function({"x": "encrypted"})
    def dec(x):
        return (x - 1) % 20

    @fhe.function({"x": "encrypted", "y": "clear"})
    def scale(x, y):
        return (x * y) % 20


INPUTSETS = {"inc": range(20), "dec": range(20),
             "scale": [(x, y) for x in range(20) for y in range(4)]}


@pytest.fixture(scope="module")
def counter():
    return Counter.compile(INPUTSETS, insecure_keygen_seed=3)


def test_clear_calls_and_simulation_match_numpy(counter):
    rng = np.random.default_rng(0)
    for x in rng.integers(0, 20, size=5):
        assert Counter.inc(x) == counter.inc(x) == counter.inc.simulate(x) == (x + 1) % 20
        assert counter.dec.simulate(x) == (x - 1) % 20
        assert counter.scale.simulate(x, 3) == (x * 3) % 20


def test_outputs_feed_inputs_encrypted_with_one_key_set(counter):
    assert counter.inc.circuit.parameters == counter.dec.circuit.parameters
    assert counter.inc.circuit.client.keys is counter.dec.circuit.client.keys
    x = counter.inc.encrypt(5)
    for _ in range(3):
        x = counter.inc.run(x)
    assert counter.inc.decrypt(x) == 8
    x = counter.dec.run(x)
    assert counter.dec.decrypt(x) == 7
    assert counter.scale.decrypt(counter.scale.run(x, 3)) == 1  # 21 % 20, a clear argument
    assert counter.inc.encrypt_run_decrypt(19) == 0


def test_linked_inputs_and_outputs_share_one_encoding(counter):
    precisions = set()
    for function in counter.functions.values():
        plan, graph = function.circuit.analysis.plan, function.circuit.analysis.lowered
        precisions |= {plan.precision(graph.inputs[0]), plan.precision(graph.outputs[0])}
    assert precisions == {6}  # x * y needs 6 bits in x's partition: all linked ports follow


def test_printed_function_is_concretes_graph(counter):
    assert str(counter.inc).splitlines()[0] == \
        "%0 = x                        # EncryptedScalar<uint5>        ∈ [0, 19]"
    assert repr(counter.inc) == "FheFunction(name=inc)"


def test_increasing_noise_is_not_composable_until_refreshed():
    @fhe.module()
    class Broken:
        @fhe.function({"x": "encrypted", "y": "encrypted"})
        def add(x, y):
            return x + y

    with pytest.raises(RuntimeError, match=r"(?s)Program can not be composed .*coeff: 2\.00"):
        Broken.compile({"add": [(0, 0), (3, 3)]})

    @fhe.module()
    class Fixed:
        @fhe.function({"x": "encrypted", "y": "encrypted"})
        def add(x, y):
            return fhe.refresh(x + y)

    fixed = Fixed.compile({"add": [(x, y) for x in range(4) for y in range(4)]},
                          insecure_keygen_seed=5)
    a, b = fixed.add.encrypt(1, 2)
    total = fixed.add.run(a, b)
    assert fixed.add.decrypt(fixed.add.run(total, b)) == 5


def test_wired_modules_link_only_their_wires():
    @fhe.module()
    class Chain:
        @fhe.function({"x": "encrypted"})
        def a(x):
            return (x * 2) % 20

        @fhe.function({"x": "encrypted"})
        def b(x):
            return (x * 2) % 50

        composition = fhe.Wired()

    with Chain.wire_pipeline(range(1, 20)) as samples:
        for sample in samples:
            Chain.b(Chain.a(sample))
    assert Chain.composition.wires == {fhe.Wire(fhe.Output(Chain.a, 0), fhe.Input(Chain.b, 0))}
    chain = Chain.compile(insecure_keygen_seed=7)
    graph_a = chain.a.circuit.analysis.lowered
    plan_a = chain.a.circuit.analysis.plan
    plan_b = chain.b.circuit.analysis.plan
    assert plan_a.precision(graph_a.outputs[0]) == \
        plan_b.precision(chain.b.circuit.analysis.lowered.inputs[0])
    assert chain.b.decrypt(chain.b.run(chain.a.run(chain.a.encrypt(7)))) == (14 * 2) % 50


def test_composable_circuit_runs_its_output_again():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: (x**2) % 8)
    circuit = compiler.compile(range(8), composable=True, insecure_keygen_seed=11)
    assert circuit.decrypt(circuit.run(circuit.run(circuit.encrypt(3)))) == ((3**2 % 8) ** 2) % 8


def test_module_definition_errors_name_the_function():
    with pytest.raises(ValueError, match="Encryption statuses of parameters 'y' and 'z' of "
                                         "function 'f' are not provided"):
        def f(x, y, z):
            return x

        fhe.function({"x": "encrypted"})(f)
    with pytest.raises(RuntimeError, match="without any @fhe.function"):
        fhe.module()(type("Empty", (), {}))
    with pytest.raises(AttributeError, match="No attribute nothing"):
        _ = Counter.nothing
    with pytest.raises(RuntimeError, match="Calling function 'inc' with kwargs"):
        Counter.inc(x=1)
    with pytest.raises(RuntimeError, match="Compiling function 'inc' without an inputset"):
        Counter.compile({"inc": [], "dec": range(3), "scale": [(1, 1)]})
    with pytest.raises(ValueError, match=r"Input #0 of your inputset is not well formed "
                                         r"\(expected a tuple of 2 values got a single value\)"):
        Counter.compile({"inc": range(3), "dec": range(3), "scale": [1, 2]})

    @fhe.module()
    class BadWire:
        @fhe.function({"x": "encrypted", "y": "clear"})
        def f(x, y):
            return x + y

        composition = fhe.Wired({fhe.Wire(fhe.Output(f, 0), fhe.Input(f, 1))})

    with pytest.raises(RuntimeError, match="Input 1 of f is not encrypted"):
        BadWire.compile({"f": [(1, 2), (3, 0)]})


def test_composable_circuit_refuses_growing_noise_naming_its_line():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x * 2)
    line = compiler.function.__code__.co_firstlineno
    with pytest.raises(RuntimeError) as info:
        compiler.compile(range(100), composable=True)
    assert str(info.value).endswith(
        f"At location test_module.py:{line}:0:\nThe noise of the node 0 is contaminated by "
        f"noise coming straight from the input (partition: 0, coeff: 4.00).")


def test_concrete_names_of_compiled_modules(counter):
    assert isinstance(counter, fhe.Module) and isinstance(counter.inc, fhe.Function)
    assert isinstance(Counter.composition, fhe.CompositionPolicy)
    assert isinstance(Counter.composition, fhe.AllComposable)
