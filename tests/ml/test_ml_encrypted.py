"""Encrypted predictions (numba TFHE backend) equal the simulated ones, model by model.

Circuits without rounded lookups (linear models, trees) decrypt exactly what ``simulate``
computes. MLPs read their accumulators with Concrete-style *approximate* rounding: near a
rounding tie the bootstrap may round the other way (README, "where behaviour differs"),
so their decrypted outputs may move by an output quantization step; predictions agree.
"""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from fhe_assistant import ml

from .conftest import split

SAMPLES = 3
CASES = [
    (lambda: ml.LogisticRegression(), "breast_cancer"),
    (lambda: ml.LogisticRegression(), "digits"),
    (lambda: ml.LinearSVC(), "iris"),
    (lambda: ml.LinearRegression(), "diabetes"),
    (lambda: ml.DecisionTreeClassifier(max_depth=5, random_state=0), "breast_cancer"),
    (lambda: ml.MLPClassifier(hidden_layer_sizes=(6,), random_state=0, max_iter=500), "iris"),
    (lambda: ml.MLPRegressor(hidden_layer_sizes=(8,), random_state=0, max_iter=500),
     "diabetes"),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{type(m()).__name__}-{d}" for m, d in CASES])
def test_encrypted_predictions_equal_simulated_ones(case, key_cache):
    make, dataset = case
    X_train, X_test, y_train, _ = split(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X_train, y_train)
    model.compile(X_train, insecure_key_cache_location=key_cache, insecure_keygen_seed=0)
    model.keygen()
    samples = X_test[:SAMPLES]
    encrypted = model._model_outputs(samples, "execute")
    simulated = model._model_outputs(samples, "simulate")
    program = model.quantized_model.program
    rounded = any(record.lsbs_removed for record in program.lookups)
    if not rounded:
        assert np.array_equal(encrypted, simulated)
    else:
        # a tie rounded the other way moves an output by about one step of the output
        # lookup's rounded input (a hidden neuron's flip, by a fraction of one)
        step = program.lookups[-1].input_step
        assert program.lookups[-1].name == "output_requant"
        assert np.all(np.abs(encrypted - simulated) <= 3 * step + 1e-9)
    if hasattr(model, "classes_"):
        assert np.array_equal(model.predict(samples, fhe="execute"), model.predict(samples))
