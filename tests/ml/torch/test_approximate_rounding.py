"""Approximate rounding in torch models (``rounding_threshold_bits={"method": APPROXIMATE}``):
the reads are budgeted one bit lower, the integers are unchanged, parameters get cheaper.
The encrypted measurement is in ``tests/quantization/test_approximate_rounding.py``."""
import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.core.strategies import Exactness
from fhe_assistant.crypto.noise import p_error_from_variance
from fhe_assistant.crypto.requirements import lookup_noise_bit_width
from fhe_assistant.ml import compile_torch_model

from .conftest import nn, seeded

X = np.random.default_rng(0).normal(size=(200, 16))


def test_noise_bit_width_rule():
    assert lookup_noise_bit_width(6) == 6
    assert lookup_noise_bit_width(6, approximate=True) == 5
    assert lookup_noise_bit_width(1, approximate=True) == 1   # the step is the padding
    with pytest.raises(InputError):
        lookup_noise_bit_width(0)


def _mlp():
    return seeded(lambda: nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)))


def test_approximate_reads_are_budgeted_one_bit_lower():
    exact = compile_torch_model(_mlp(), X, n_bits=5,
                                rounding_threshold_bits={"n_bits": 5, "method": "EXACT"})
    approximate = compile_torch_model(_mlp(), X, n_bits=5,
                                      rounding_threshold_bits={"n_bits": 5,
                                                               "method": Exactness.APPROXIMATE})
    for module, flag in ((exact, False), (approximate, True)):
        lookups = [lookup for lookup in module.fhe_circuit.program.plan.lookups.values()
                   if lookup.reads_bit is None]
        assert lookups and all(lookup.approximate is flag for lookup in lookups)
        assert {lookup.noise_precision for lookup in lookups} == \
            {lookup.effective_precision - flag for lookup in lookups}
    # exact rounding clears each removed bit with a bit read first; approximate reads them
    bit_reads = [lookup for lookup in exact.fhe_circuit.program.plan.lookups.values()
                 if lookup.reads_bit is not None]
    assert sum(b.element_count for b in bit_reads) == \
        sum(lookup.element_count * lookup.lsbs_removed for lookup in
            exact.fhe_circuit.program.plan.lookups.values() if lookup.reads_bit is None)
    # the same quantized program (the method changes no integer), cheaper parameters
    assert np.array_equal(exact.forward(X[:20]), approximate.forward(X[:20]))
    assert approximate.fhe_circuit.complexity < exact.fhe_circuit.complexity
    # the chosen set meets the ≥2-step bound at the per-lookup target
    optimization = approximate.fhe_circuit.optimization
    variance = 4.0 ** optimization.noise.pre_pbs
    width = max(lookup.effective_precision for lookup in lookups)
    assert p_error_from_variance(variance, width - 1) <= optimization.target_p_error * 1.0001
    assert "exactness" in str(approximate.fhe_circuit.graph)


def test_an_int_threshold_means_approximate_rounding():
    """Concrete ML's int form is exact there; here a threshold is an accuracy/speed knob."""
    module = compile_torch_model(_mlp(), X, n_bits=5, rounding_threshold_bits=5)
    lookups = module.fhe_circuit.program.plan.lookups.values()
    assert lookups and all(lookup.approximate and lookup.reads_bit is None for lookup in lookups)


def test_bad_rounding_method():
    with pytest.raises(InputError, match="method"):
        compile_torch_model(_mlp(), X, n_bits=5,
                            rounding_threshold_bits={"n_bits": 5, "method": "sloppy"})
