"""``compile_brevitas_qat_model``: a Brevitas QAT model compiles to the same values Brevitas
computes (weights and activations on its grids), simulated and encrypted."""
import numpy as np
import pytest

from fhe_assistant import Configuration
from fhe_assistant.core.errors import InputError
from fhe_assistant.ml import compile_brevitas_qat_model

from .conftest import torch

qnn = pytest.importorskip("brevitas.nn")

X = np.random.default_rng(0).normal(size=(300, 8))


class QATModel(torch.nn.Module):
    def __init__(self, bits=4):
        super().__init__()
        self.quant_input = qnn.QuantIdentity(bit_width=bits, return_quant_tensor=True)
        self.fc1 = qnn.QuantLinear(8, 12, bias=True, weight_bit_width=bits)
        self.relu = qnn.QuantReLU(bit_width=bits, return_quant_tensor=True)
        self.fc2 = qnn.QuantLinear(12, 3, bias=True, weight_bit_width=bits)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.quant_input(x))))


def _trained():
    torch.manual_seed(0)
    model = QATModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    inputs = torch.tensor(X, dtype=torch.float32)
    targets = torch.tensor((X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int))
    for _ in range(60):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    return model.eval()


def _brevitas_outputs(model, x):
    with torch.no_grad():
        out = model(torch.tensor(x, dtype=torch.float32))
    return np.asarray(getattr(out, "value", out).detach().numpy(), dtype=np.float64)


def test_qat_model_compiles_to_brevitas_values(tmp_path):
    model = _trained()
    reference = _brevitas_outputs(model, X)
    module = compile_brevitas_qat_model(model, X, rounding_threshold_bits=6,
                                        output_onnx_file=tmp_path / "qat.onnx")
    assert (tmp_path / "qat.onnx").stat().st_size > 0
    assert module.options.n_bits.as_dict() == {"inputs": 4, "weights": 4, "outputs": 4}
    # the client quantizes inputs on Brevitas' input grid (scale, clipping) exactly
    quantizer = module.program.input_quantizers[0]
    with torch.no_grad():
        brevitas_input = model.quant_input(torch.tensor(X, dtype=torch.float32))
    grid = np.asarray(brevitas_input.value, dtype=np.float64)
    assert np.allclose(quantizer.dequantize(module.quantize_input(X)), grid, atol=1e-6)
    # the hidden ReLU reads its accumulator and outputs Brevitas' 4-bit levels: a wider
    # output width keeps them exactly, and only the last layer's requantization differs
    wide = compile_brevitas_qat_model(model, X, n_bits={"inputs": 4, "weights": 4,
                                                        "outputs": 8},
                                      rounding_threshold_bits=6)
    clear = wide.forward(X)
    assert np.mean(clear.argmax(1) == reference.argmax(1)) >= 0.95
    assert np.abs(clear - reference).max() < 0.15 * np.abs(reference).max()
    assert np.array_equal(module.forward(X[:40], fhe="simulate"), module.forward(X[:40]))
    assert np.mean(module.forward(X).argmax(1) == reference.argmax(1)) >= 0.85


@pytest.mark.slow
def test_qat_model_encrypted_sample_equals_simulate(tmp_path):
    module = compile_brevitas_qat_model(_trained(), X, rounding_threshold_bits=6,
                                        configuration=Configuration(
        insecure_key_cache_location=str(tmp_path), insecure_keygen_seed=0))
    module.keygen()
    assert np.array_equal(module.forward(X[:1], fhe="execute"),
                          module.forward(X[:1], fhe="simulate"))


def test_not_a_brevitas_layer_or_module():
    with pytest.raises(InputError, match="torch.nn.Module"):
        compile_brevitas_qat_model(lambda x: x, X)

    class Unsupported(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.pool = qnn.TruncAvgPool2d(2)

        def forward(self, x):
            return self.pool(x)

    with pytest.raises(InputError, match="'pool' \\(TruncAvgPool2d\\) is not supported"):
        compile_brevitas_qat_model(Unsupported(), np.zeros((4, 1, 4, 4)))
