"""``fhe.conv`` and ``fhe.maxpool`` (Concrete's signatures) against torch, traced, compiled
and simulated against numpy, encrypted on small inputs, and their bad inputs."""
import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.core.errors import TracingError

from ..support import check_against_numpy, enc

torch = pytest.importorskip("torch")

WEIGHT_2D = np.random.default_rng(0).integers(-3, 4, size=(4, 1, 2, 2))
WEIGHT_1D = np.random.default_rng(1).integers(-3, 4, size=(2, 2, 3))


def test_numpy_path_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.integers(-4, 4, size=(2, 2, 5, 6)).astype(np.float64)
    w = rng.integers(-3, 4, size=(4, 1, 3, 2)).astype(np.float64)
    bias = np.array([1.0, -2.0, 0.0, 3.0])
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(bias),
                                          stride=(1, 2), padding=(1, 0), dilation=(2, 1),
                                          groups=2).numpy()
    result = fhe.conv(x, w, bias, pads=(1, 0, 1, 0), strides=(1, 2), dilations=(2, 1), group=2)
    assert np.array_equal(result, expected)
    pooled = torch.nn.functional.max_pool2d(torch.tensor(x), 2, stride=(1, 2)).numpy()
    assert np.array_equal(fhe.maxpool(x, (2, 2), strides=(1, 2)), pooled)


@pytest.mark.parametrize("case", ["2d_bias_stride_pad", "2d_groups", "1d_dilation"])
def test_conv_compiles_and_simulates_as_numpy(case):
    if case == "2d_bias_stride_pad":
        def function(x):
            return fhe.conv(x, WEIGHT_2D, np.array([1, 0, -1, 2]), pads=(1, 1, 0, 0),
                            strides=(2, 1))
        params = [enc((1, 1, 4, 4), 0, 7)]
    elif case == "2d_groups":
        def function(x):
            return fhe.conv(x, WEIGHT_2D[:, :, :, :1].reshape(4, 2, 1, 1), group=2)
        params = [enc((2, 4, 3, 3), -4, 3)]
    else:
        def function(x):
            return fhe.conv(x, WEIGHT_1D, dilations=(2,))
        params = [enc((1, 2, 7), 0, 5)]
    check_against_numpy(function, params)


def test_maxpool_compiles_and_simulates_as_numpy():
    check_against_numpy(lambda x: fhe.maxpool(x, (2, 2)), [enc((1, 2, 4, 4), 0, 7)])


def test_conv_runs_encrypted(tmp_path):
    compiler = fhe.compiler({"x": "encrypted"})(
        lambda x: fhe.conv(x, WEIGHT_2D, pads=(0, 1, 0, 1)))
    inputset = [np.random.default_rng(i).integers(0, 4, size=(1, 1, 3, 3)) for i in range(20)]
    circuit = compiler.compile(inputset, insecure_key_cache_location=str(tmp_path),
                               insecure_keygen_seed=3)
    circuit.keygen()
    sample = inputset[0]
    assert np.array_equal(circuit.encrypt_run_decrypt(sample), compiler(sample))


def test_bad_inputs_are_refused():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(TracingError, match="expects x of shape"):
        fhe.conv(np.zeros((2, 4, 4)), WEIGHT_2D)
    with pytest.raises(TracingError, match="channels"):
        fhe.conv(x, WEIGHT_2D, group=1)
    with pytest.raises(TracingError, match="kernel_shape"):
        fhe.conv(np.zeros((1, 1, 4, 4)), WEIGHT_2D, kernel_shape=(3, 3))
    with pytest.raises(TracingError, match="larger than the input"):
        fhe.maxpool(x, (5, 5))
    with pytest.raises(NotImplementedError, match="uneven padding"):  # as Concrete
        fhe.maxpool(x, (2, 2), pads=(1, 0, 0, 1))
