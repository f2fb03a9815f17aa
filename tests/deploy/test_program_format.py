"""The server program as data: every op's attributes survive a save/load, nothing callable
is stored, and the loaded program computes what the circuit computes.

Runs use noiseless ciphertexts and an emulated bootstrap (no keys), so they are fast and
check the graph, the plan and the stored tables exactly.
"""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.backend.executor import Executor
from fhe_assistant.backend.tfhe import decode, encode
from fhe_assistant.deploy import SerializationError, Server
from fhe_assistant.deploy.envelope import Kind, decode_envelope
from fhe_assistant.deploy.graph_format import Tabulated
from fhe_assistant.deploy.program import Program
from fhe_assistant.ir.ops import OpKind

POLYNOMIAL_SIZE = 2048
KNOWN_TAGS = {"$float", "$tuple", "$dict", "$intdict", "$slice", "$ellipsis", "$dtype",
              "$scalar_type", "$array", "$ufunc", "$bounds", "$graph", "$dropped"}


def emulated_bootstrap(ciphertexts: np.ndarray, test_vectors: np.ndarray, keys=(0, 0)
                       ) -> np.ndarray:
    """What a noiseless PBS computes: TV[φ̃] for φ̃ < N, else −TV[φ̃ − N]."""
    n = test_vectors.shape[1]
    shift = np.uint64(64 - int(np.log2(2 * n)) - 1)
    switched = (((ciphertexts[:, -1] >> shift) + np.uint64(1)) >> np.uint64(1)) \
        & np.uint64(2 * n - 1)
    switched = switched.astype(np.int64)
    rows = np.arange(len(ciphertexts)) % test_vectors.shape[0]
    values = np.where(switched < n, test_vectors[rows, switched % n],
                      np.negative(test_vectors[rows, switched % n]))
    out = np.zeros_like(ciphertexts)
    out[:, -1] = values
    return out


def run_noiseless(program: Program, *args):
    parameters = program.parameters.__class__(**{**program.parameters.as_dict(),
                                                "glwe_dimension": 1,
                                                "polynomial_size": POLYNOMIAL_SIZE})
    executor = Executor(program, parameters)
    inputs = []
    for node_id, value in zip(program.graph.inputs, args):
        node, value = program.graph[node_id], np.asarray(value)
        if node.is_encrypted:
            cts = np.zeros((executor.lwe_size,) + value.shape, dtype=np.uint64)
            cts[-1] = encode(value, program.plan.precision(node_id))
            inputs.append(cts)
        else:
            inputs.append(value[None])
    outputs = executor.run(inputs, emulated_bootstrap)
    results = []
    for node_id, output in zip(program.graph.outputs, outputs):
        node = program.graph[node_id]
        results.append(decode(output[-1], program.plan.precision(node_id),
                              node.spec.dtype.is_signed) if node.is_encrypted else output[0])
    return results[0] if len(results) == 1 else tuple(results)


def programs():
    table = fhe.LookupTable([5, 3, 0, 7, 1, 6, 2, 4])
    w = np.array([[1, -2], [3, 0], [-1, 2]])
    return {
        "seed": (lambda x: [2] @ x + 2, {"x": "encrypted"}, [(np.array([v]),) for v in range(4)]),
        "lookup": (lambda x: table[x] + x, {"x": "encrypted"},
                   [(np.arange(3) % 8,), (np.array([7, 5, 1]),)]),
        "signed_relu": (lambda x: np.maximum(x @ w - 1, 0), {"x": "encrypted"},
                        [(np.array([a, b, c]),) for a in (-3, 2) for b in (-2, 3) for c in (0, 3)]),
        "float_fusion": (lambda x: (np.sin(x) * 5).astype(np.int64) + x, {"x": "encrypted"},
                         [(np.arange(8),)]),
        "enc_mul_compare": (lambda x, y: x * y + (x < y) - np.minimum(x, y),
                            {"x": "encrypted", "y": "encrypted"},
                            [(np.array([a, b]), np.array([b, a])) for a in range(-3, 4)
                             for b in range(4)]),
        "clear_operand": (lambda x, y: (x + y) // 2 + x * y, {"x": "encrypted", "y": "clear"},
                          [(np.array([a]), np.array([b])) for a in range(4) for b in range(3)]),
        "shapes": (lambda x: np.concatenate([x.reshape(2, 2).T, np.ones((1, 2), int)])[::-1, 1:]
                   .sum(axis=0) + np.stack([x[0], x[3]]), {"x": "encrypted"},
                   [(np.array([a, 1, 2, b]),) for a in range(4) for b in range(4)]),
        "indexing": (lambda x: np.expand_dims(x[..., [2, 0]], 0)[:, None, 1] + x[1:2].squeeze()
                     + np.transpose(x.reshape(1, 3), (1, 0))[0, 0],
                     {"x": "encrypted"}, [(np.array([a, 1, b]),) for a in range(4)
                                          for b in range(4)]),
        "rounded": (lambda x: fhe.univariate(lambda v: v // 8)(fhe.round_bit_pattern(x * 3, 3)),
                    {"x": "encrypted"}, [(np.array([v]),) for v in range(0, 40, 3)]),
        "runtime_table": (lambda x, y: (x < y) + np.maximum(x, y) * 2,
                          {"x": "encrypted", "y": "clear"},
                          [(np.array([a, 3 - a]), np.array([b, 2])) for a in range(4)
                           for b in range(4)]),
    }


def compile_program(name):
    function, statuses, inputset = programs()[name]
    # one parameter set: run_noiseless swaps in a noiseless copy of it
    return function, inputset, fhe.compiler(statuses)(function).compile(
        inputset, parameter_selection_strategy="mono")


@pytest.mark.parametrize("name", list(programs()))
def test_saved_program_computes_what_the_circuit_computes(name, tmp_path):
    _, inputset, circuit = compile_program(name)
    server = Server.from_circuit(circuit)
    server.save(tmp_path / "server.zip")
    loaded = Server.load(tmp_path / "server.zip")
    assert loaded.client_specs == server.client_specs
    assert loaded.serialize_program() == server.serialize_program()
    rng = np.random.default_rng(0)
    for sample in rng.permutation(len(inputset))[:6]:
        args = inputset[sample]
        np.testing.assert_array_equal(run_noiseless(loaded.program, *args),
                                      circuit.simulate(*args), err_msg=f"{name}: {args}")


def test_no_function_survives_in_the_artifact(tmp_path):
    _, _, circuit = compile_program("rounded")
    program = Server.from_circuit(circuit).program
    data = program.serialize()
    tags = set()

    def walk(item):
        if isinstance(item, dict):
            tags.update(k for k in item if k.startswith("$"))
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(decode_envelope(data, Kind.SERVER_PROGRAM).metadata)
    assert "$dropped" in tags and tags <= KNOWN_TAGS
    assert b"\x80\x04\x95" not in data and b"\x80\x05\x95" not in data  # no pickle frames
    loaded = Program.deserialize(data)
    functions = [node for node in loaded.graph.nodes if node.op is OpKind.UNIVARIATE]
    assert functions and all(isinstance(n.attrs["function"], Tabulated) for n in functions)
    with pytest.raises(fhe.EvaluationError, match="precomputed tables"):
        functions[0].attrs["function"](np.arange(3))
    assert all(n.id in loaded.tables for n in functions)


def test_float_subgraphs_ship_as_data_and_tables():
    _, _, circuit = compile_program("float_fusion")
    loaded = Program.deserialize(Server.from_circuit(circuit).program.serialize())
    tlu = [n for n in loaded.graph.nodes if n.op is OpKind.TLU]
    assert tlu and all(n.id in loaded.tables for n in tlu)
    ufuncs = [n.attrs["ufunc"] for n in tlu[0].attrs["subgraph"].nodes if n.op is OpKind.UFUNC]
    assert np.sin in ufuncs


def test_runtime_tables_are_tabulated_from_the_ops_rule():
    _, _, circuit = compile_program("runtime_table")
    program = Program.deserialize(Server.from_circuit(circuit).program.serialize())
    dynamic = [lookup for lookup in program.plan.lookups.values()
               if not program.is_static(lookup)]
    assert dynamic, "x < y with y clear needs its table per call"


def test_a_function_needed_at_run_time_cannot_be_saved():
    _, _, circuit = compile_program("runtime_table")
    program = Server.from_circuit(circuit).program
    lookup = next(lookup for lookup in program.plan.lookups.values()
                  if not program.is_static(lookup))
    node = program.graph[lookup.node_id]
    node.attrs["function"] = lambda v: v      # as if its rule needed user code
    try:
        with pytest.raises(SerializationError, match=rf"cannot save %{node.id} = .*'function'"):
            program.serialize()
    finally:
        del node.attrs["function"]


def test_tampered_program_is_refused():
    _, _, circuit = compile_program("lookup")
    data = bytearray(Server.from_circuit(circuit).program.serialize())
    data[len(data) // 2] ^= 0x10
    with pytest.raises(SerializationError, match="checksum"):
        Program.deserialize(bytes(data))


def test_server_zip_without_program_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "server.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("other.txt", "hello")
    with pytest.raises(SerializationError, match="no server.program"):
        Server.load(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(SerializationError, match="not a valid server.zip"):
        Server.load(path)


def test_a_program_with_bit_reads_is_format_version_4_and_keeps_them():
    """An exact rounding's bit reads need a reader that runs them: version 4; a program
    without them keeps the version older readers load."""
    _, _, rounded = compile_program("rounded")
    _, _, plain = compile_program("lookup")
    data = Server.from_circuit(rounded).serialize_program()
    assert decode_envelope(data, Kind.SERVER_PROGRAM).version == 4
    assert decode_envelope(Server.from_circuit(plain).serialize_program(),
                           Kind.SERVER_PROGRAM).version == 1
    bits = {i: lookup.reads_bit for i, lookup in rounded.program.plan.lookups.items()
            if lookup.reads_bit is not None}
    loaded = Program.deserialize(data)
    assert bits and {i: loaded.plan.lookups[i].reads_bit for i in bits} == bits


def test_a_program_with_slip_windows_is_format_version_5_and_keeps_them():
    """Approximate reads' slip windows change their tables: a reader must know them."""
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: fhe.univariate(lambda v: v // 8)(
        fhe.round_bit_pattern(x, 3, exactness=fhe.Exactness.APPROXIMATE))).compile(
        range(-20, 60), parameter_selection_strategy="mono")
    windows = {i: (lookup.slip_low, lookup.slip_high)
               for i, lookup in circuit.program.plan.lookups.items()}
    assert all(low is not None for low, _ in windows.values())
    data = Server.from_circuit(circuit).serialize_program()
    assert decode_envelope(data, Kind.SERVER_PROGRAM).version == 5
    loaded = Program.deserialize(data)
    assert {i: (lookup.slip_low, lookup.slip_high)
            for i, lookup in loaded.plan.lookups.items()} == windows
    xs = np.arange(-20, 60)
    np.testing.assert_array_equal([run_noiseless(loaded, np.array(int(x))) for x in xs],
                                  circuit.simulate_batch(xs))
    from fhe_assistant.deploy.graph_format import decode_plan, encode_plan

    plan = circuit.program.plan
    node_id = next(iter(windows))
    for bad in ([node_id, 5, 2], [node_id, 0, 99], [node_id, "0", 7], [10 ** 6, 0, 7]):
        encoded = dict(encode_plan(plan), slip_windows=[bad])
        with pytest.raises(SerializationError, match="corrupted x"):
            decode_plan(encoded, circuit.program.graph, "x")
