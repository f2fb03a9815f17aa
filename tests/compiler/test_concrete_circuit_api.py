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
