"""Encrypted runs of imported models equal ``simulate`` (numba TFHE backend), and deploy."""
import numpy as np
import pytest

from fhe_assistant import Configuration
from fhe_assistant.ml import compile_torch_model

from .conftest import nn, seeded

X = np.random.default_rng(0).normal(size=(100, 3))


@pytest.fixture(scope="module")
def key_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("torch_keys"))


def test_one_encrypted_sample_equals_simulate(key_cache):
    model = seeded(lambda: nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)))
    module = compile_torch_model(model, X, n_bits=3, configuration=Configuration(
        insecure_key_cache_location=key_cache, insecure_keygen_seed=0))
    module.keygen()
    sample = X[:1]
    assert np.array_equal(module.forward(sample, fhe="execute"),
                          module.forward(sample, fhe="simulate"))


@pytest.mark.slow
def test_cnn_encrypted_sample_through_client_and_server(key_cache):
    model = seeded(lambda: nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.AvgPool2d(2),
                                         nn.Flatten(), nn.Linear(4, 2)))
    images = np.random.default_rng(1).normal(size=(60, 1, 3, 5))
    module = compile_torch_model(model, images, n_bits=4, rounding_threshold_bits=4,
                                 configuration=Configuration(
                                     insecure_key_cache_location=key_cache,
                                     insecure_keygen_seed=0))
    module.keygen()
    circuit = module.fhe_circuit
    q = module.quantize_input(images[:1])
    server, client = circuit.server, circuit.client     # the deployment objects
    ciphertexts = client.encrypt_arrays([q[0]], compress=False)
    result = client.decrypt(server.run(ciphertexts, evaluation_keys=client.keys.evaluation))
    assert np.allclose(module.dequantize_output(np.reshape(result, (1, -1))),
                       module.forward(images[:1], fhe="simulate"), atol=0.5)
