"""Lookups of 9–16 bits end to end: WoP-PBS programs run encrypted, equal to simulate.

Real keys (INSECURE seeds) and real ciphertexts through the runtime's WoP key generation, the
executor's index and tables, the kernels, the client and the server. The programs are
compiled as usual, then run under Concrete's 128-bit WoP shape (k=2, N=1024,
wop_pbs_2022-10-31_128; the kernels' reference set) so that these tests check the
integration whatever set the optimizer picks; the optimizer's own choice runs in
``test_the_optimizers_wop_choice_runs_encrypted``. 12- and 16-bit lookups are marked slow.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.compiler.configuration import DEFAULT_MAXIMUM_TLU_BIT_WIDTH
from fhe_assistant.crypto.wop_parameters import WopParameters
from fhe_assistant.deploy import Client, EvaluationKeys, Server
from fhe_assistant.lowered.wop_lookups import WopAssignment

SEED = 1414
#: Concrete 2.11's 12-bit choice (n, k, N, PBS b/l, KS b/l, packing KS b/l, CB b/l, p)
CONCRETE_SHAPE = WopParameters(721, 2, 1024, 12, 3, 2, 7, 16, 2, 8, 2, 16)


def compile_wide(function, inputset, **options):
    options.setdefault("maximum_tlu_bit_width", 16)
    return fhe.compiler({"x": "encrypted"})(function).compile(inputset, **options)


def concrete_shaped(circuit) -> Server:
    """The circuit's program with every lookup a WoP-PBS under :data:`CONCRETE_SHAPE`."""
    program = circuit.program
    parameters = dataclasses.replace(CONCRETE_SHAPE,
                                     message_bit_width=program.parameters.message_bit_width)
    return Server(dataclasses.replace(
        program, parameter_sets={0: parameters.ks_pbs()},
        wop=WopAssignment(parameters, frozenset(program.plan.lookups))))


_CLIENTS: dict = {}


def client_of(server: Server) -> Client:
    """One client (keys) per parameter set for the module (keygen ~10 s each)."""
    fingerprint = server.client_specs.fingerprint
    if fingerprint not in _CLIENTS:
        client = Client(server.client_specs)
        client.keys.generate(seed=SEED, encryption_seed=SEED + 1)
        _CLIENTS[fingerprint] = client
    client = Client(server.client_specs)
    client.keys = _CLIENTS[fingerprint].keys
    return client


def check_encrypted(circuit, samples, server: Server | None = None) -> Server:
    server = server or concrete_shaped(circuit)
    client = client_of(server)
    for sample in samples:
        result = client.decrypt(server.run(client.encrypt(sample),
                                           evaluation_keys=client.evaluation_keys))
        np.testing.assert_array_equal(result, circuit.simulate(sample), err_msg=f"{sample}")
    return server


def random_table_circuit(bits: int):
    rng = np.random.default_rng(bits)
    table = fhe.LookupTable(rng.integers(0, 2**bits, 2**bits).tolist())
    circuit = compile_wide(lambda x: table[x], [np.arange(4) * 0 + v for v in range(2**bits)])
    return circuit, rng


@pytest.mark.parametrize("bits", [9, 10])
def test_random_table_lookups_run_encrypted(bits):
    circuit, rng = random_table_circuit(bits)
    server = check_encrypted(circuit, [np.array([0, 2**bits - 1, *rng.integers(0, 2**bits, 2)])])
    assert server.runtime.last_timings.wop_pbs_count == 4
    stats = circuit.statistics
    assert stats["lookup_methods"] == {i: "wop" for i in circuit.program.plan.lookups}
    assert stats["packing_key_switch_count"] == stats["programmable_bootstrap_count"] == 4


@pytest.mark.slow
@pytest.mark.parametrize("bits", [12, 16])
def test_wide_random_table_lookups_run_encrypted(bits):
    circuit, rng = random_table_circuit(bits)
    check_encrypted(circuit, [np.array([2**bits - 1, *rng.integers(0, 2**bits, 3)])])


def test_a_signed_input_indexes_as_the_native_path_does():
    circuit = compile_wide(fhe.univariate(lambda v: (v * v) % 1000 - 500), range(-512, 512))
    (lookup,) = circuit.program.plan.lookups.values()
    assert lookup.offset == 512 and lookup.effective_precision == 10
    for sample in (-512, -1, 0, 511):
        check_encrypted(circuit, [sample])


def test_several_lookups_and_leveled_ops_between_them():
    rng = np.random.default_rng(3)
    first = fhe.LookupTable(rng.integers(0, 256, 512).tolist())
    second = fhe.LookupTable(rng.integers(0, 512, 512).tolist())

    def f(x):
        y = first[x] + x // 2     # two lookups (x // 2 is one) and a leveled add
        return second[y]

    circuit = compile_wide(f, [np.array([v, 511 - v]) for v in range(512)])
    assert len(circuit.program.plan.lookups) == 3
    check_encrypted(circuit, [np.array([0, 511]), np.array([300, 7])])


@pytest.mark.skipif(DEFAULT_MAXIMUM_TLU_BIT_WIDTH < 9,
                    reason="the 16-bit default lookup limit has not landed yet")
def test_the_mlp_like_nine_bit_case_compiles_by_default_and_runs():
    w1 = np.array([[3, -3, 2, 1], [3, 2, -3, 0], [2, 3, 3, -3], [3, 1, -2, 3],
                   [-3, 3, 3, 2], [3, -2, 1, 3]])

    def mlp(x):
        return np.maximum(x @ w1, 0)

    rng = np.random.default_rng(5)
    inputset = [rng.integers(0, 16, 6) for _ in range(30)] + [np.full(6, 15), np.zeros(6, int)]
    circuit = fhe.compiler({"x": "encrypted"})(mlp).compile(inputset)
    assert circuit.analysis.plan.max_lookup_precision == 9
    assert circuit.program.wop is not None
    check_encrypted(circuit, [np.array([15, 0, 7, 15, 3, 9]), np.full(6, 15)])


def test_client_server_round_trip_of_a_wop_program(tmp_path):
    circuit, rng = random_table_circuit(9)
    concrete_shaped(circuit).save(tmp_path / "server.zip")
    server = Server.load(tmp_path / "server.zip")
    client = client_of(server)
    keys = client.evaluation_keys
    loaded = EvaluationKeys.deserialize(keys.serialize())
    assert loaded.nbytes == keys.nbytes and loaded.wop_parameters == keys.wop_parameters
    x = rng.integers(0, 512, 4)
    result = client.decrypt(server.run(client.encrypt(x), evaluation_keys=loaded))
    np.testing.assert_array_equal(result, circuit.simulate(x))


def test_the_optimizers_wop_choice_runs_encrypted():
    """The set the optimizer picks (not Concrete's shape), keys made by the circuit."""
    circuit, rng = random_table_circuit(9)
    assert isinstance(circuit.optimization, fhe.crypto.WopOptimizationResult)
    circuit.keygen(seed=SEED)
    for x in (np.array([0, 511, *rng.integers(0, 512, 2)]),):
        np.testing.assert_array_equal(circuit.decrypt(circuit.run(circuit.encrypt(x))),
                                      circuit.simulate(x))
    assert circuit.keys.evaluation.nbytes == circuit.statistics["evaluation_keys_bytes"]
