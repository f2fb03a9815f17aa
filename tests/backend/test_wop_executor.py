"""WoP-PBS lookups in the executor, against the simulation, with noiseless ciphertexts.

The programs of test_executor.py run with their lookups marked WoP-PBS; the WoP-PBS is
emulated on the phase (read the index at the input's Δ, return the encoded table entry),
so these tests check what the executor hands the kernel — the index (offset of signed
inputs, expanded tables of folded roundings), one call per distinct table, the output
encoding — without keys. Real encrypted WoP runs are in test_wop_encrypted.py.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_executor import POLYNOMIAL_SIZE, emulated_bootstrap, programs

import fhe_assistant as fhe
from fhe_assistant.backend.executor import Executor
from fhe_assistant.backend.tfhe import decode, encode
from fhe_assistant.core.errors import EvaluationError
from fhe_assistant.crypto.wop_parameters import WopParameters
from fhe_assistant.lowered.wop_lookups import WopAssignment, wop_input_bit_width, wop_tables

# Concrete's 128-bit 12-bit row (wop_pbs_2022-10-31_128); the emulation uses none of it.
WOP_12 = WopParameters(lwe_dimension=735, glwe_dimension=2, polynomial_size=1024,
                       decomposition_base_log=6, decomposition_level_count=7,
                       ks_decomposition_base_log=2, ks_decomposition_level_count=7,
                       pfpks_base_log=16, pfpks_level=2, cb_base_log=6, cb_level=4,
                       message_bit_width=12)


class EmulatedWop:
    """What a noiseless WoP-PBS computes, with a record of every call."""

    def __init__(self):
        self.calls: list[tuple[int, int, int]] = []   # (ciphertexts, q, p_in)

    def __call__(self, ciphertexts, table, bits, precision):
        assert ciphertexts.dtype == np.uint64 and table.shape == (1 << bits,)
        assert bits <= precision
        self.calls.append((len(ciphertexts), bits, precision))
        index = decode(ciphertexts[:, -1], precision)
        assert (index < (1 << bits)).all(), "a WoP index past its 2**q entries"
        out = np.zeros_like(ciphertexts)
        out[:, -1] = table[index]
        return out


def as_wop(circuit, lookups=None):
    """The circuit's program with its lookups (all, or ``lookups``) marked WoP-PBS."""
    program = circuit.program
    chosen = program.plan.lookups if lookups is None else lookups
    return dataclasses.replace(program, wop=WopAssignment(WOP_12, frozenset(chosen)))


def run_noiseless(circuit, program, args, wop):
    parameters = dataclasses.replace(circuit.parameters, glwe_dimension=1,
                                     polynomial_size=POLYNOMIAL_SIZE)
    executor = Executor(program, parameters)
    graph, plan = program.graph, program.plan
    inputs = []
    for node_id, value in zip(graph.inputs, args):
        value = np.asarray(value)
        if graph[node_id].is_encrypted:
            cts = np.zeros((executor.lwe_size,) + value.shape, dtype=np.uint64)
            cts[-1] = encode(value, plan.precision(node_id))
            inputs.append(cts)
        else:
            inputs.append(value[None])
    outputs = executor.run(inputs, emulated_bootstrap, wop=wop)
    results = [decode(out[-1], plan.precision(o), graph[o].spec.dtype.is_signed)
               for o, out in zip(graph.outputs, outputs)]
    return results[0] if len(results) == 1 else tuple(results)


@pytest.mark.parametrize("name", list(programs()))
def test_wop_lookups_equal_simulation(name):
    function, statuses, inputset = programs()[name]
    circuit = fhe.compiler(statuses)(function).compile(inputset)
    program = as_wop(circuit)
    wop = EmulatedWop()
    rng = np.random.default_rng(1)
    for sample in rng.permutation(len(inputset))[:6]:
        args = inputset[sample]
        np.testing.assert_array_equal(run_noiseless(circuit, program, args, wop),
                                      circuit.simulate(*args), err_msg=f"{name}: {args}")
    assert wop.calls or not program.plan.lookups


def test_a_lookup_with_one_table_per_element_calls_once_per_distinct_table():
    tables = fhe.LookupTable([fhe.LookupTable([0, 1, 2, 3]), fhe.LookupTable([3, 2, 1, 0]),
                              fhe.LookupTable([0, 1, 2, 3])])
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: tables[x]).compile(
        [np.array([a, b, c]) for a in range(4) for b in range(4) for c in (0, 3)])
    wop = EmulatedWop()
    args = np.array([1, 2, 3])
    result = run_noiseless(circuit, as_wop(circuit), (args,), wop)
    np.testing.assert_array_equal(result, circuit.simulate(args))
    assert sorted(count for count, _, _ in wop.calls) == [1, 2]


def test_mixed_methods_and_signed_inputs():
    w = np.array([[1, -2], [3, 0], [-1, 2]])
    table = fhe.LookupTable([5, 3, 0, 7, 1, 6, 2, 4])

    def f(x):
        return np.maximum(x @ w - 1, 0) + table[x[:2] % 8]

    inputset = [np.array([a, b, c]) for a in (-3, 2) for b in (-2, 3) for c in (0, 3)]
    circuit = fhe.compiler({"x": "encrypted"})(f).compile(inputset)
    lookups = sorted(circuit.program.plan.lookups)
    assert len(lookups) >= 2
    signed = [i for i in lookups if circuit.program.plan.lookups[i].offset]
    assert signed, "the relu reads a signed value"
    program = as_wop(circuit, signed)
    assert {program.lookup_method(i) for i in lookups} == {"wop", "native"}
    wop = EmulatedWop()
    for args in inputset:
        np.testing.assert_array_equal(run_noiseless(circuit, program, (args,), wop),
                                      circuit.simulate(args))
    assert wop.calls


def test_a_folded_rounding_reads_all_input_bits_through_an_expanded_table():
    function, statuses, inputset = programs()["rounded"]
    circuit = fhe.compiler(statuses)(function).compile(inputset)
    (lookup,) = [lk for lk in circuit.program.plan.lookups.values() if lk.lsbs_removed]
    assert wop_input_bit_width(lookup) == lookup.input_precision > lookup.effective_precision
    rows, row_of_element = wop_tables(circuit.program.tables[lookup.node_id], lookup)
    assert rows.shape == (1, 1 << lookup.input_precision)
    assert (row_of_element == 0).all()
    wop = EmulatedWop()
    for args in inputset:
        run_noiseless(circuit, as_wop(circuit), args, wop)
    assert {(q, p) for _, q, p in wop.calls} == {(lookup.input_precision,) * 2}


def test_a_wop_program_without_a_wop_evaluation_is_refused_with_the_node():
    function, statuses, inputset = programs()["lookup"]
    circuit = fhe.compiler(statuses)(function).compile(inputset)
    with pytest.raises(EvaluationError, match="WoP-PBS"):
        run_noiseless(circuit, as_wop(circuit), inputset[0], None)
