"""Bad input gets one clear error naming the layer, and nothing is left half-compiled."""
import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.ml import compile_onnx_model, compile_torch_model

from .conftest import nn, seeded, torch

X = np.random.default_rng(0).normal(size=(50, 4))


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = torch.cumsum(self.fc(x), dim=1)
        return torch.topk(y, 2, dim=1).values


def test_unsupported_ops_are_all_listed_with_their_layer():
    with pytest.raises(InputError) as error:
        compile_torch_model(seeded(Unsupported), X)
    message = str(error.value)
    assert "unsupported op CumSum at layer CumSum (CumSum /CumSum)" in message
    assert "unsupported op TopK" in message


def test_model_that_does_not_export_names_the_module():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(4, 2)
            self.tail = nn.Linear(3, 1)

        def forward(self, x):
            return self.tail(self.head(x))

    model = seeded(Broken).train()
    with pytest.raises(InputError, match=r"does not export to ONNX in module 'tail' \(Linear\)"):
        compile_torch_model(model, X)
    assert model.training                                  # its mode is restored
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_inputset_of_the_wrong_shape():
    model = seeded(lambda: nn.Sequential(nn.Linear(4, 3)))
    with pytest.raises(InputError, match="module '0' .*shape \\(1, 5\\)"):
        compile_torch_model(model, np.zeros((10, 5)))
    onnx_model = __import__("fhe_assistant.ml.torch.export", fromlist=["x"]).export_onnx(
        model, X[:1])
    with pytest.raises(InputError, match=r"samples of shape \(5,\).*\(1, 4\)"):
        compile_onnx_model(onnx_model, np.zeros((10, 5)))
    with pytest.raises(InputError, match="NaN"):
        compile_torch_model(model, np.full((10, 4), np.nan))


def test_nan_weights_name_the_weight_and_its_layer():
    model = seeded(lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    with torch.no_grad():
        model[2].weight[0, 1] = float("nan")
    with pytest.raises(InputError, match=r"weight '2.weight' contains NaN .*layer 2 \(Gemm"):
        compile_torch_model(model, X)


def test_use_that_cannot_run_per_sample_names_the_layer():
    class MixesSamples(nn.Module):
        def forward(self, x):
            return x.reshape(2, -1) * 2

    with pytest.raises(InputError, match="layer Reshape .*mixes samples"):
        compile_torch_model(MixesSamples(), X)


def test_options_that_are_not_supported():
    model = seeded(lambda: nn.Sequential(nn.Linear(4, 3)))
    with pytest.raises(InputError, match="import_qat"):
        compile_torch_model(model, X, import_qat=True)
    with pytest.raises(InputError, match="torch.nn.Module"):
        compile_torch_model(lambda x: x, X)
