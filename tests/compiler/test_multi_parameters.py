"""Several parameter sets per circuit (MULTI, the default): encrypted runs equal simulate,
MONO gives one set, the views and statistics name each set, and the deploy files round-trip."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.compiler.strategy import ParameterSelectionStrategy
from fhe_assistant.deploy import ClientSpecs, EvaluationKeys, Keys, Server

RNG = np.random.default_rng(5)
T2 = fhe.LookupTable(RNG.integers(0, 4, 4).tolist())
T4 = fhe.LookupTable(RNG.integers(0, 16, 16).tolist())


def chained(x):
    return T4[np.sum(T2[x])]


def independent(x, y):
    return T2[x], T4[y] + y


CHAINED_INPUTS = [RNG.integers(0, 4, 4) for _ in range(30)] + [np.full(4, 3)]
INDEPENDENT_INPUTS = [(RNG.integers(0, 4, 3), int(RNG.integers(0, 16))) for _ in range(30)]


@pytest.fixture(scope="module")
def chained_circuit():
    circuit = fhe.Compiler(chained, {"x": "encrypted"}).compile(CHAINED_INPUTS,
                                                                 insecure_keygen_seed=3)
    circuit.keygen()
    return circuit


def _same(a, b):
    a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))


def test_chained_widths_get_two_sets_and_a_cross_keyswitch(chained_circuit):
    circuit = chained_circuit
    assert [p.message_bit_width for p in circuit.parameter_sets] == [2, 4]
    stats = circuit.statistics
    assert [(k["source"], k["target"]) for k in stats["keyswitches"]] == [(0, 0), (0, 1)]
    assert stats["keyswitch_key[0->1]_bytes"] > 0 and "keyswitch_key[1->1]_bytes" not in stats
    assert stats["evaluation_keys_bytes"] == circuit.keys.evaluation.nbytes
    assert "keyswitch 0->1" in circuit.lowered and "(set 0)" in circuit.lowered
    table = circuit.cost_table()
    assert set(table["keyswitch"]) == {"", "0->0", "0->1"}
    assert "2 parameter sets" in circuit.parameters_summary


def test_chained_encrypted_runs_equal_simulate(chained_circuit):
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = rng.integers(0, 4, 4)
        assert _same(chained_circuit.encrypt_run_decrypt(x), chained_circuit.simulate(x))
        assert _same(chained_circuit.simulate(x), chained(x))


def test_independent_widths_encrypted_runs_equal_simulate():
    circuit = fhe.Compiler(independent, {"x": "encrypted", "y": "encrypted"}).compile(
        INDEPENDENT_INPUTS, insecure_keygen_seed=4)
    assert len(circuit.parameter_sets) == 2 and circuit.optimization.keyswitches == ()
    rng = np.random.default_rng(2)
    for _ in range(3):
        args = (rng.integers(0, 4, 3), int(rng.integers(0, 8)))
        assert _same(circuit.encrypt_run_decrypt(*args), circuit.simulate(*args))
        assert _same(circuit.simulate(*args), independent(*args))


def test_mono_strategy_gives_one_set_sized_for_the_widest_lookup(chained_circuit):
    mono = fhe.Compiler(chained, {"x": "encrypted"}).compile(
        CHAINED_INPUTS, parameter_selection_strategy="mono")
    assert len(mono.parameter_sets) == 1 and mono.program.assignment is None
    assert mono.parameters.message_bit_width == 4
    assert chained_circuit.optimization.complexity < mono.optimization.complexity
    with pytest.raises(ValueError, match="'several' is not a valid 'ParameterSelectionStrategy' "
                                         r"\(v0, mono, multi\)"):
        fhe.Compiler(chained, {"x": "encrypted"}).compile(
            CHAINED_INPUTS, parameter_selection_strategy="several")


def test_simulated_lookup_errors_use_each_lookups_own_p_error():
    noisy = fhe.Compiler(chained, {"x": "encrypted"}).compile(
        CHAINED_INPUTS, p_error=0.2, simulate_pbs_errors=True, insecure_keygen_seed=5)
    rates = {a.target: a.p_error for a in noisy.assignment.lookups.values()}
    assert set(rates) == {0, 1} and rates[0] != rates[1] and max(rates.values()) <= 0.2
    x = np.tile(np.arange(4), (400, 1))
    wrong = np.mean(noisy.simulate_batch(x) != chained(x[0]))
    assert 0.0 < wrong < 1.0


def test_deploy_files_round_trip_with_several_sets(chained_circuit, tmp_path):
    circuit = chained_circuit
    circuit.server.save(tmp_path / "server.zip")
    server = Server.load(tmp_path / "server.zip")
    assert server.client_specs == circuit.server.client_specs
    specs = ClientSpecs.deserialize(circuit.server.client_specs.serialize())
    assert specs == circuit.server.client_specs and specs.key_set is not None
    keys = Keys.deserialize(circuit.keys.serialize())
    assert keys.key_id == circuit.keys.key_id
    evaluation = EvaluationKeys.deserialize(circuit.keys.evaluation.serialize())
    client = fhe.Client(specs)
    client.keys = keys
    x = np.array([3, 1, 0, 2])
    result = server.run(client.encrypt(x), evaluation_keys=evaluation)
    assert client.decrypt(result) == circuit.simulate(x)
    assert circuit.keys.serialize()[4] == 2 and circuit.server.serialize_program()[4] == 2


def test_insecure_key_cache_keeps_key_sets_of_several_parameter_sets(tmp_path):
    def compiled():
        return fhe.Compiler(chained, {"x": "encrypted"}).compile(
            CHAINED_INPUTS, insecure_key_cache_location=str(tmp_path), insecure_keygen_seed=9)

    first, second = compiled(), compiled()
    first.keygen()
    (entry,) = list(tmp_path.iterdir())
    assert entry.name.endswith("-seed-9.keyset") and entry.stat().st_mode & 0o077 == 0
    second.keygen()
    assert second.keys.key_id == first.keys.key_id
    x = np.array([1, 2, 3, 0])
    assert second.decrypt(first.run(second.encrypt(x))) == chained(x)


def test_one_lookup_precision_compiles_exactly_as_mono():
    def same_width(x, y):
        return T2[x], T2[T2[y]]

    inputs = [(RNG.integers(0, 4, 3), int(RNG.integers(0, 4))) for _ in range(20)]
    statuses = {"x": "encrypted", "y": "encrypted"}
    multi = fhe.Compiler(same_width, statuses).compile(inputs)
    assert {lookup.effective_precision for lookup in multi.analysis.plan.lookups.values()} == {2}
    mono = fhe.Compiler(same_width, statuses).compile(inputs, parameter_selection_strategy="mono")
    assert multi.program.assignment is None and multi.parameters == mono.parameters
    assert multi.optimization == mono.optimization


@pytest.mark.parametrize("value, expected", [
    ("multi", "multi"), ("MONO", "mono"), ("v0", "mono"),
    (ParameterSelectionStrategy.MULTI, "multi")])
def test_strategy_names_parse(value, expected):
    assert ParameterSelectionStrategy.parse(value).value == expected
