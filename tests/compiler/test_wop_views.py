"""What a user sees of a program whose wide lookups run as WoP-PBS (compile only, no keys):
the lowered view, the cost table, the statistics, Concrete's counters and the notebook facts."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.backend.tfhe import wop_key_sizes


@pytest.fixture(scope="module")
def circuit():
    rng = np.random.default_rng(10)
    wide = fhe.LookupTable(rng.integers(0, 1024, 1024).tolist())
    return fhe.compiler({"x": "encrypted"})(lambda x: wide[x] + x).compile(
        [np.array([v, 1023 - v, 5]) for v in range(1024)])


def test_the_lowered_view_and_cost_table_name_the_method(circuit):
    assert circuit.program.wop is not None
    assert "3 x WoP-PBS 11→11 bits on LWE[2048]" in circuit.lowered  # x shares 11-bit %2
    assert "packing keyswitch" in circuit.lowered
    costs = circuit.cost_table()
    lookups = costs[costs["kind"] != "leveled"]
    assert set(lookups["kind"]) == {"WoP-PBS"} and set(lookups["method"]) == {"wop"}
    assert lookups["packing_ks"].sum() == 3
    assert costs["share"].sum() == pytest.approx(1.0)
    assert "WoP-PBS" in circuit.parameters_summary


def test_statistics_count_a_wop_lookup_as_concrete_does_and_size_its_keys(circuit):
    stats = circuit.statistics
    assert stats["programmable_bootstrap_count"] == stats["key_switch_count"] == 3
    assert stats["packing_key_switch_count"] == circuit.packing_key_switch_count == 3
    assert set(stats["lookup_methods"].values()) == {"wop"}
    sizes = wop_key_sizes(circuit.program.wop.parameters)
    assert stats["evaluation_keys_bytes"] == sizes["evaluation_keys"]
    assert circuit.size_of_bootstrap_keys == sizes["bootstrap_key_fourier"]
    assert circuit.size_of_keyswitch_keys == sizes["keyswitch_key"]
    assert stats["wop_parameters"]["cb_level"] == circuit.program.wop.parameters.cb_level
    assert circuit.complexity == circuit.optimization.complexity > 0


def test_the_notebook_facts_name_the_method(circuit):
    from fhe_assistant.widgets.runner import circuit_facts

    parameters, sizes = circuit_facts(circuit)
    assert parameters["lookup method"] == "WoP-PBS (1 of 1 lookups)"
    assert "packing keyswitch key" in sizes
