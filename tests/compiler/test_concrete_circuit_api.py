"""Concrete's circuit attributes and configuration options on our Circuit."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


@pytest.fixture(scope="module")
def circuit():
    compiler = fhe.compiler({"x": "encrypted", "y": "clear"})(
        lambda x, y: np.maximum(x, 1) + x * 2 - y + (-x))
    return compiler.compile([(x, y) for x in range(8) for y in range(3)])


def test_counts_follow_the_lowered_graph(circuit):
    assert circuit.programmable_bootstrap_count == circuit.analysis.plan.pbs_count == 1
    assert circuit.key_switch_count == 1 and circuit.packing_key_switch_count == 0
    assert circuit.clear_multiplication_count == 1
    assert circuit.clear_addition_count == 1
    assert circuit.encrypted_addition_count == 2
    assert circuit.encrypted_negation_count == 1


def test_sizes_complexity_and_text(circuit):
    assert circuit.size_of_bootstrap_keys > circuit.size_of_keyswitch_keys > 0
    assert circuit.size_of_secret_keys > 0
    assert circuit.complexity == circuit.optimization.complexity > 0
    assert circuit.mlir == circuit.lowered
    circuit.enable_fhe_simulation()
    circuit.enable_fhe_execution()
    assert circuit.simulate(3, 1) == max(3, 1) + 6 - 1 - 3


def test_concrete_options_are_accepted_and_unknown_ones_listed():
    configuration = fhe.Configuration(dump_artifacts_on_unexpected_failures=False,
                                      comparison_strategy_preference="chunked",
                                      parameter_selection_strategy="mono",
                                      rounding_exactness=fhe.Exactness.EXACT)
    assert configuration.comparison_strategy_preference == (fhe.ComparisonStrategy.CHUNKED,)
    assert configuration.parameter_selection_strategy == "mono"
    with pytest.raises(TypeError, match="known: .*show_graph"):
        fhe.Configuration(no_such_option=True)
    with pytest.raises(ValueError, match="not a valid"):
        fhe.Configuration(min_max_strategy_preference="fastest")
    with pytest.raises(RuntimeError, match="unsafe"):
        fhe.Configuration(use_insecure_key_cache=True)


def test_concrete_dtypes_and_values():
    from fhe_assistant.dtypes import Integer, SignedInteger, UnsignedInteger, combine_dtypes
    from fhe_assistant.values import EncryptedTensor, ValueDescription

    assert Integer.that_can_represent(-3) == SignedInteger(3)
    assert Integer.that_can_represent(np.array([0, 200])) == UnsignedInteger(8)
    assert (SignedInteger(4).min(), SignedInteger(4).max()) == (-8, 7)
    assert combine_dtypes([SignedInteger(3), UnsignedInteger(3)]) == SignedInteger(4)
    assert str(EncryptedTensor(UnsignedInteger(5), (2,))) == "EncryptedTensor<uint5, shape=(2,)>"
    assert ValueDescription.of(np.array([1, 2])).dtype == UnsignedInteger(2)
    with pytest.raises(ValueError):
        Integer(False, 0)
    samples = fhe.inputset(fhe.uint3, fhe.tensor[fhe.int4, 2], lambda i: i, size=5)
    assert len(samples) == 5 and samples[4][2] == 4
    assert all(0 <= s[0] < 8 and s[1].shape == (2,) and -8 <= s[1].min() for s in samples)


def test_calls_are_recorded_as_the_inputset_until_reset():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 42)
    with pytest.raises(ValueError, match="compile needs an inputset"):
        compiler.compile()
    for i in range(10):
        compiler(i)
    circuit = compiler.compile()
    assert circuit.graph.integer_range(operation_filter="input") == (0, 9)
    assert circuit.simulate(5) == 47
    compiler.reset()
    assert compiler.inputset == []


def test_graph_processors_see_measured_then_assigned_widths():
    class InputWidth(fhe.GraphProcessor):
        width = 0

        def apply(self, graph: fhe.Graph):
            self.width = graph.input_nodes[0].output.dtype.bit_width

    class Count(fhe.GraphProcessor):
        count = 0

        def apply(self, graph):
            self.count += len(graph.query_nodes())

    class Refuse(fhe.GraphProcessor):
        def apply(self, graph):
            self.error(graph, {graph.ordered_outputs()[0]: "no powers here"})

    pre, post, count = InputWidth(), InputWidth(), Count()
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: (x + 5) ** 2)
    compiler.compile(range(8), additional_pre_processors=[pre],
                     additional_post_processors=[post, count])
    assert (pre.width, post.width, count.count) == (3, 4, 5)  # x shares x + 5's 4 bits
    with pytest.raises(fhe.CompilationError, match="(?s)cannot be compiled.*%4: no powers"):
        compiler.compile(range(8), additional_pre_processors=[Refuse()])


def test_concrete_compilation_module_path_exports_what_concrete_users_import():
    """``from concrete.fhe.compilation import Wired, Client, ...`` works after the import change."""
    from fhe_assistant import compilation

    for name in ("AllComposable", "AllInputs", "AllOutputs", "Circuit", "Client", "ClientSpecs",
                 "Compiler", "CompositionPolicy", "Configuration", "EvaluationKeys",
                 "FheFunction", "FheModule", "Input", "Keys", "ModuleDebugArtifacts",
                 "NotComposable", "Output", "Server", "Value", "Wire", "Wired", "inputset",
                 "Exactness", "ApproximateRoundingConfig", "ParameterSelectionStrategy"):
        assert getattr(compilation, name) is getattr(fhe, name), name
