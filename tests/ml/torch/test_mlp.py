"""MLPs from torch: every supported activation, residual adds, shape ops, clear tails.

The imported float graph equals torch's outputs; the quantized model (clear) stays within a
tolerance of them at 8 bits; ``simulate`` equals the clear quantized model.
"""
import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.ml import compile_torch_model
from fhe_assistant.ml.torch.export import export_onnx
from fhe_assistant.ml.torch.module import QuantizedModule
from fhe_assistant.ml.torch.onnx_import import import_onnx

from .conftest import nn, seeded, torch, torch_outputs

X = np.random.default_rng(0).normal(size=(300, 5))

ACTIVATIONS = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1), "prelu": lambda: nn.PReLU(6),
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "hardsigmoid": nn.Hardsigmoid,
    "hardswish": nn.Hardswish, "elu": nn.ELU, "selu": nn.SELU, "celu": lambda: nn.CELU(0.7),
    "softplus": nn.Softplus, "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU("tanh"),
    "silu": nn.SiLU, "relu6": nn.ReLU6, "hardtanh": nn.Hardtanh, "softsign": nn.Softsign,
}


def quantized(model, n_bits=8, rounding=None, X=X):
    imported = import_onnx(export_onnx(model, X[:1]), [X.shape[1:]])
    return QuantizedModule(imported, n_bits, rounding_threshold_bits=rounding).calibrate(X)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_one_lookup_per_value(name):
    model = seeded(lambda: nn.Sequential(nn.Linear(5, 6), ACTIVATIONS[name](), nn.Linear(6, 3)))
    module = quantized(model)
    reference = torch_outputs(model, X)
    assert np.allclose(module.float_function(X), reference, atol=1e-5)
    hidden = [r for r in module.lookups if r.name != "output_requant"]
    assert len(hidden) == 1 and hidden[0].element_count == 6
    error = np.abs(module.forward(X) - reference).max()
    assert error < 0.05 * np.abs(reference).max() + 0.02, error


class Residual(nn.Module):
    """Residual add of two encrypted values, concat, transpose, squeeze, exp and a log."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 4)
        self.fc2 = nn.Linear(4, 4)
        self.fc3 = nn.Linear(12, 3)
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        r = h + torch.tanh(self.fc2(h))                 # residual
        both = torch.cat([r, torch.exp(-h)], dim=1)      # (n, 8)
        grid = both.reshape(-1, 2, 4).transpose(1, 2)    # (n, 4, 2)
        flat = torch.flatten(grid.unsqueeze(1).squeeze(1), 1)
        z = self.dropout(torch.cat([flat, torch.log(1 + h * h)], dim=1))
        return torch.softmax(self.fc3(z) * 2 - 1, dim=1)


def test_residual_and_shape_ops_match_torch():
    model = seeded(Residual)
    module = quantized(model)
    reference = torch_outputs(model, X)
    assert np.allclose(module.float_function(X), reference, atol=1e-5)
    assert module.imported.clear_tail               # softmax after decryption
    # the residual sum is carried on a fine scale beside exp's coarse one: rows of fc3's
    # weights for it are quantized coarsely (per output column), hence the wider tolerance
    probabilities = module.forward(X)
    assert np.abs(probabilities - reference).max() < 0.15
    assert np.mean(probabilities.argmax(1) == reference.argmax(1)) > 0.9


def test_compile_and_simulate_equal_clear_quantized():
    model = seeded(lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)))
    module = compile_torch_model(model, X, n_bits=6, rounding_threshold_bits=6)
    assert module.fhe_circuit is module.circuit is not None
    assert np.array_equal(module.forward(X[:50], fhe="simulate"), module.forward(X[:50]))
    reference = torch_outputs(model, X)
    assert np.mean(module.forward(X).argmax(1) == reference.argmax(1)) > 0.9
    report = module.bitwidth_and_range_report()
    assert {"0", "2"} <= set(report) and report["0"]["rounded_bitwidth"] <= 6
    first = module.fhe_circuit.analysis.lowered_bounds   # ranges on the inputset
    low, high = report["0"]["range"]
    assert low < 0 < high and report["0"]["bitwidth"] >= max(low.bit_length(), high.bit_length())
    assert report["0"]["lookups"] == 8 and report["2"]["lookups"] == 3
    assert all(low >= min(b.min for b in first.values()) for low, _ in
               (entry["range"] for entry in report.values()))
    q = module.quantize_input(X[:4])
    assert q.dtype == np.int64 and q.shape == (4, 5)
    assert np.allclose(module.dequantize_output(module.circuit.simulate_batch(q)),
                       module.forward(X[:4]))


def test_argmax_tail_and_onnx_file(tmp_path):
    from fhe_assistant.ml import compile_onnx_model

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(5, 4)

        def forward(self, x):
            return torch.argmax(self.fc(x), dim=1)

    model = seeded(Classifier)
    path = tmp_path / "model.onnx"
    export = export_onnx(model, X[:1])
    path.write_bytes(export.SerializeToString())
    module = compile_onnx_model(str(path), X, n_bits=8)
    assert np.mean(module.forward(X) == torch_outputs(model, X)) > 0.95


def test_accuracy_waterfall_separates_quantization_from_fhe_errors():
    from fhe_assistant.ml.torch import accuracy_waterfall

    model = seeded(lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)))
    y = torch_outputs(model, X).argmax(1)                 # the float model is exact on it
    module = compile_torch_model(model, X, n_bits=3, rounding_threshold_bits=3, p_error=0.2)
    stages = accuracy_waterfall(module, X, y, p_error_seed=0)
    names = [s.name for s in stages]
    assert names == ["float", "quantized (clear)", "simulated (exact)",
                     "simulated with FHE errors"]
    assert stages[0].accuracy == 1.0 and stages[1].accuracy == stages[2].accuracy < 1.0
    assert stages[3].accuracy < stages[2].accuracy        # p_error=0.2 flips lookups
    assert module.circuit.configuration.simulate_pbs_errors is None  # the circuit is unchanged


class TwoInputs(nn.Module):
    """Two encrypted inputs: their own layers, then a residual-style add."""

    def __init__(self):
        super().__init__()
        self.left = nn.Linear(5, 4)
        self.right = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, a, b):
        return self.head(torch.relu(self.left(a) + self.right(b)))


def test_model_with_two_inputs():
    model = seeded(TwoInputs)
    B = np.random.default_rng(5).normal(size=(len(X), 3))
    with torch.no_grad():
        reference = model(torch.tensor(X, dtype=torch.float32),
                          torch.tensor(B, dtype=torch.float32)).numpy()
    module = compile_torch_model(model, (X, B), n_bits=6, rounding_threshold_bits=6)
    assert list(module.fhe_circuit.analysis.lowered.input_names) == ["x0", "x1"]
    assert np.allclose(module.float_function(X, B), reference, atol=1e-5)
    assert np.abs(module.forward(X, B) - reference).max() < 0.1 * np.abs(reference).max()
    assert np.array_equal(module.forward(X[:30], B[:30], fhe="simulate"),
                          module.forward(X[:30], B[:30]))
    with pytest.raises(InputError, match="does not export.*missing 1 required positional"):
        compile_torch_model(model, X, n_bits=8)
    from fhe_assistant.ml import compile_onnx_model

    with pytest.raises(InputError, match=r"2 input\(s\) \['x0', 'x1'\], the inputset gives 1"):
        compile_onnx_model(export_onnx(model, [X[:1], B[:1]]), X, n_bits=8)
    with pytest.raises(InputError, match="sample counts"):
        compile_torch_model(model, (X, B[:10]), n_bits=8)


def test_layers_are_tags_in_the_printed_graph_and_the_statistics():
    """Each graph node carries its torch module's name as ``fhe.tag``: the printed graph and
    the per-tag statistics group the circuit by layer, so "layer 2's lookups" can be read."""
    model = seeded(lambda: nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3)))
    circuit = compile_torch_model(model, X, n_bits=4, rounding_threshold_bits=6).fhe_circuit
    per_tag = circuit.statistics["programmable_bootstrap_count_per_tag"]
    assert per_tag == {"1": 6, "2": 3}          # the ReLU's 6 lookups, the output's 3
    assert "@ 2" in circuit.graph.format()
    assert circuit.graph.maximum_integer_bit_width(tag_filter="0") >= 4
