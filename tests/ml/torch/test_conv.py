"""CNNs from torch: convolutions (1-D/2-D, stride, padding, dilation, groups), pooling, batch
norm, padding and a residual CNN, against torch; the ``conv`` op against numpy."""
import numpy as np
import pytest

from fhe_assistant.interpret.convolution import conv_batched
from fhe_assistant.ml import compile_torch_model

from .conftest import nn, randomize_batch_norms, seeded, torch, torch_outputs
from .test_mlp import quantized

IMAGES = np.random.default_rng(1).normal(size=(120, 2, 7, 7))
SIGNALS = np.random.default_rng(2).normal(size=(120, 3, 11))

LAYERS_2D = {
    "plain": lambda: nn.Conv2d(2, 4, 3),
    "stride_padding": lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1),
    "dilation_asymmetric": lambda: nn.Conv2d(2, 3, (3, 2), dilation=(2, 1), padding=(0, 1)),
    "groups": lambda: nn.Conv2d(2, 4, 3, groups=2),
    "depthwise_no_bias": lambda: nn.Conv2d(2, 2, 2, groups=2, bias=False),
    "maxpool": lambda: nn.Sequential(nn.Conv2d(2, 3, 2), nn.MaxPool2d(2)),
    "maxpool_stride1": lambda: nn.Sequential(nn.Conv2d(2, 3, 2), nn.MaxPool2d(3, stride=1)),
    "maxpool_padding": lambda: nn.Sequential(nn.Conv2d(2, 3, 2),
                                             nn.MaxPool2d(3, stride=2, padding=1)),
    "maxpool_ceil_mode": lambda: nn.Sequential(nn.Conv2d(2, 3, 2),
                                               nn.MaxPool2d(3, stride=2, ceil_mode=True)),
    "maxpool_padding_ceil_mode": lambda: nn.Sequential(   # 6x6 -> 3x4 (floor: 2x4)
        nn.Conv2d(2, 3, 2), nn.MaxPool2d((3, 2), stride=(3, 2), padding=1, ceil_mode=True)),
    "avgpool": lambda: nn.Sequential(nn.Conv2d(2, 3, 2), nn.AvgPool2d(2)),
    "global_avgpool": lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.AdaptiveAvgPool2d(1)),
    "batchnorm_relu": lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU()),
    "batchnorm_first": lambda: nn.Sequential(nn.BatchNorm2d(2), nn.Conv2d(2, 3, 3)),
    "zero_pad": lambda: nn.Sequential(nn.ZeroPad2d((1, 0, 2, 1)), nn.Conv2d(2, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(LAYERS_2D))
def test_2d_layers_match_torch(name):
    model = seeded(LAYERS_2D[name])
    randomize_batch_norms(model)
    reference = torch_outputs(model, IMAGES)
    module = quantized(model, 12, X=IMAGES)
    assert np.allclose(module.float_function(IMAGES), reference, atol=1e-5)
    error = np.abs(module.forward(IMAGES) - reference).max()
    assert error < 2e-3 * np.abs(reference).max(), error


def test_1d_maxpool_ceil_mode_and_padding_match_torch():
    model = seeded(lambda: nn.Sequential(nn.Conv1d(3, 2, 1), nn.MaxPool1d(2, ceil_mode=True),
                                         nn.MaxPool1d(3, stride=1, padding=1)))
    reference = torch_outputs(model, SIGNALS)
    assert reference.shape[-1] == 6          # ceil_mode: 11 -> 6 (floor: 5)
    module = quantized(model, 12, X=SIGNALS)
    assert np.allclose(module.float_function(SIGNALS), reference, atol=1e-5)
    assert np.abs(module.forward(SIGNALS) - reference).max() < 2e-3 * np.abs(reference).max()


def test_1d_convolution_matches_torch():
    model = seeded(lambda: nn.Sequential(nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2),
                                         nn.ReLU(), nn.Conv1d(4, 2, 2)))
    reference = torch_outputs(model, SIGNALS)
    module = quantized(model, 12, X=SIGNALS)
    assert np.abs(module.forward(SIGNALS) - reference).max() < 5e-3 * np.abs(reference).max()


@pytest.mark.parametrize("groups", [1, 2])
def test_conv_rule_is_exact_on_integers(groups):
    rng = np.random.default_rng(groups)
    x = rng.integers(-8, 8, size=(3, 4, 6, 5))
    w = rng.integers(-4, 4, size=(6, 4 // groups, 2, 3))
    expected = torch.nn.functional.conv2d(torch.tensor(x, dtype=torch.float64),
                                          torch.tensor(w, dtype=torch.float64), stride=(2, 1),
                                          padding=1, groups=groups).numpy()
    result = conv_batched(x, w, (2, 1), (1, 1, 1, 1), (1, 1), groups)
    assert result.dtype == np.int64 and np.array_equal(result, expected)
    wrapped = conv_batched(x.astype(np.uint64), w.astype(np.uint64), (2, 1), (1, 1, 1, 1),
                           (1, 1), groups)
    assert np.array_equal(wrapped.astype(np.int64), expected)   # modulo 2**64, as ciphertexts


class ResidualCNN(nn.Module):
    """Two convolutions with a skip add and batch norm (the issue's residual CNN)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(4)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(y + self.bn2(self.conv2(y)))
        return self.fc(torch.flatten(self.pool(y), 1))


def test_residual_cnn_compiles_and_simulates():
    model = seeded(ResidualCNN)
    randomize_batch_norms(model)
    reference = torch_outputs(model, IMAGES)
    module = compile_torch_model(model, IMAGES, n_bits=6, rounding_threshold_bits=6)
    simulated = module.forward(IMAGES[:40], fhe="simulate")
    assert np.array_equal(simulated, module.forward(IMAGES[:40]))
    assert np.mean(simulated.argmax(1) == reference[:40].argmax(1)) >= 0.85
    assert {"conv1", "Add"} <= set(module.bitwidth_and_range_report())
