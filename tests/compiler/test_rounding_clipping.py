"""An approximate rounding that overflows its input's width is clipped when lookups read it,
as Concrete's ``ApproximateRoundingConfig`` does by default (``transforms.rounding_clipping``)."""
from __future__ import annotations

import pytest

import fhe_assistant as fhe
from fhe_assistant import ApproximateRoundingConfig, Exactness
from fhe_assistant.transforms.rounding_clipping import clipping_precision

NO_CLIPPING = ApproximateRoundingConfig(logical_clipping=False,
                                        approximate_clipping_start_precision=False)


def _divided(exactness=Exactness.APPROXIMATE):
    """Concrete's test_round_bit_pattern_approximate_clippping: 6 bits rounded to 3."""
    return fhe.compiler({"x": "encrypted"})(lambda x: fhe.round_bit_pattern(
        fhe.univariate(lambda v: v)(x), lsbs_to_remove=3, exactness=exactness) // 8)


@pytest.mark.parametrize("domain, clipped", [(range(64), range(8)), (range(-32, 32), range(-4, 4))])
def test_the_overflow_is_clipped_by_default_in_the_clear_and_encrypted(domain, clipped):
    circuit = _divided().compile(domain, insecure_keygen_seed=4)
    assert [int(circuit.simulate(x)) for x in domain[-4:]] == [clipped[-1]] * 4
    circuit.keygen()
    encrypted = [int(circuit.encrypt_run_decrypt(x)) for x in domain]
    exact = [min((x + 4) >> 3, clipped[-1]) for x in domain]
    assert all(value in clipped for value in encrypted)
    assert max(abs(a - b) for a, b in zip(encrypted, exact)) <= 1


def test_without_clipping_the_overflow_stays():
    circuit = _divided().compile(range(64), approximate_rounding_config=NO_CLIPPING)
    assert circuit.simulate(63) == 8


@pytest.mark.parametrize("exactness, config, top", [
    (Exactness.EXACT, None, 8),                                    # exact: never clipped
    (Exactness.APPROXIMATE, ApproximateRoundingConfig(False, 4), 8),  # 3 rounded bits < 4
    (Exactness.APPROXIMATE, ApproximateRoundingConfig(False, 3), 7),  # from 3 bits: clipped
])
def test_what_is_clipped(exactness, config, top):
    circuit = _divided(exactness).compile(range(64), approximate_rounding_config=config)
    assert circuit.simulate(63) == top


def test_a_rounding_read_by_an_output_is_not_clipped():
    """Concrete clips in the lookup's table only: a rounding returned as it is keeps 64."""
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: fhe.round_bit_pattern(
        x, lsbs_to_remove=3, exactness=Exactness.APPROXIMATE)).compile(range(64))
    assert circuit.simulate(63) == 64


def test_the_configuration_decides_from_which_precision():
    assert clipping_precision(None) == 0
    assert clipping_precision(ApproximateRoundingConfig(False, 5)) == 5
    assert clipping_precision(NO_CLIPPING) is None
    with pytest.raises(TypeError, match="approximate_rounding_config must be"):
        fhe.Configuration(approximate_rounding_config={"logical_clipping": True})


def test_a_clipped_program_deploys(tmp_path):
    """The server loads the clip with the graph: the top values decrypt clipped."""
    circuit = _divided().compile(range(64))
    fhe.Server.from_circuit(circuit).save(tmp_path / "server.zip")
    server = fhe.Server.load(tmp_path / "server.zip")
    client = fhe.Client(server.client_specs)
    client.keys.generate()
    results = [client.decrypt(server.run(client.encrypt(x), evaluation_keys=client.evaluation_keys))
               for x in (60, 61, 62, 63)]
    assert all(value in (6, 7) for value in results), results


def test_a_direct_circuit_takes_its_rounding_options_from_its_configuration():
    def f(x: fhe.uint6):
        return fhe.round_bit_pattern(x, lsbs_to_remove=3) // 8

    approximate = fhe.circuit({"x": "encrypted"}, rounding_exactness=Exactness.APPROXIMATE)(f)
    assert [lookup.approximate for lookup in approximate.analysis.plan.lookups.values()] == [True]
    assert approximate.simulate(63) == 7
    unclipped = fhe.circuit({"x": "encrypted"}, rounding_exactness=Exactness.APPROXIMATE,
                            approximate_rounding_config=NO_CLIPPING)(f)
    assert unclipped.simulate(63) == 8
    assert fhe.circuit({"x": "encrypted"})(f).simulate(63) == 8  # exact by default
