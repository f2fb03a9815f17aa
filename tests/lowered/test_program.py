"""LoweredProgram: one record that simulation, the executor and the file format all read."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.deploy.program import Program
from fhe_assistant.lowered.program import DEFAULT_KEY_SET, LoweredProgram
from fhe_assistant.lowered.tables import tabulate


def _circuit():
    table = fhe.LookupTable([3, 1, 0, 2, 7, 5, 4, 6])

    def f(x, y):
        return table[x] + (x < y)       # a static lookup, and one that depends on clear y

    return fhe.compiler({"x": "encrypted", "y": "clear"})(f).compile(
        [(i, j) for i in range(8) for j in range(8)])


def test_the_compiler_builds_one_record_with_one_parameter_set():
    circuit = _circuit()
    program = circuit.program
    assert isinstance(program, LoweredProgram)
    assert program.graph is circuit.analysis.lowered and program.plan is circuit.analysis.plan
    assert dict(program.parameter_sets) == {DEFAULT_KEY_SET: circuit.parameters}
    assert program.parameters is circuit.parameters
    several = LoweredProgram(program.graph, program.plan, {0: circuit.parameters,
                                                           1: circuit.parameters})
    with pytest.raises(NotImplementedError, match="one parameter set"):
        several.parameters


def test_static_tables_are_computed_once_and_dynamic_ones_per_call():
    program = _circuit().program
    lookups = list(program.plan.lookups.values())
    static = [lookup for lookup in lookups if program.is_static(lookup)]
    dynamic = [lookup for lookup in lookups if not program.is_static(lookup)]
    assert static and dynamic
    assert set(program.tables) == {lookup.node_id for lookup in static}
    assert program.tables is program.tables                    # cached
    for lookup in static:
        assert program.table_source(lookup) is program.tables[lookup.node_id]
    lookup = dynamic[0]
    node = program.graph[lookup.node_id]
    operands = [np.array([[5]]) if o == lookup.operand_id else np.array([4])
                for o in node.operands]
    np.testing.assert_array_equal(program.table_source(lookup, operands),
                                  tabulate(program.graph, lookup, operands,
                                           program.operand_bounds.get(lookup.operand_id)))
    assert set(program.dynamic_operand_bounds()) == {lookup.operand_id for lookup in dynamic}


def test_the_file_format_keeps_the_record():
    circuit = _circuit()
    server_program = circuit.server.program
    assert isinstance(server_program, Program)
    assert server_program.tables.keys() == circuit.program.tables.keys()
    loaded = Program.deserialize(server_program.serialize())
    assert dict(loaded.parameter_sets) == dict(circuit.program.parameter_sets)
    for node_id, table in circuit.program.tables.items():
        np.testing.assert_array_equal(loaded.tables[node_id], table)


def test_circuit_client_and_server_are_built_once_and_share_the_keys():
    circuit = _circuit()
    assert circuit.client is circuit.client and circuit.server is circuit.server
    assert circuit.keys is circuit.client.keys
    assert not circuit.keys_generated
    circuit.client.keys.generate(seed=3)                 # keys made through the client …
    assert circuit.keys_generated                        # … are the circuit's keys
    assert fhe.Client.from_circuit(circuit).keys is circuit.keys
    value = circuit.client.encrypt(5, 2)
    assert circuit.decrypt(circuit.run(value)) == circuit.simulate(5, 2) == 5 + 0
