"""``fhe.explore(torch_model, X, y)``: sliders per role, layers in the graph, accuracy."""
import numpy as np
import pytest

from fhe_assistant.widgets import explore
from fhe_assistant.widgets.torch_target import TorchTarget, is_torch_model

torch = pytest.importorskip("torch")


def _model_and_data():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    X = np.random.default_rng(0).normal(size=(80, 4))
    with torch.no_grad():
        y = model(torch.tensor(X, dtype=torch.float32)).numpy().argmax(1)
    return model.eval(), X, y


def test_torch_target_scores_each_setting():
    model, X, y = _model_and_data()
    assert is_torch_model(model) and not is_torch_model(lambda x: x)
    target = TorchTarget(model, X, y)
    assert [k.name for k in target.knobs] == ["input_bits", "weight_bits", "output_bits",
                                              "rounding_bits"]
    assert target.float_accuracy == 1.0
    high = target.build({"input_bits": 8, "weight_bits": 8, "output_bits": 8})
    low = target.build({"input_bits": 2, "weight_bits": 2, "output_bits": 2})
    assert high.accuracy > 0.9 and low.accuracy < high.accuracy
    assert high.extra["waterfall"]["float"] == 1.0


def test_explore_a_torch_model_shows_its_layers():
    model, X, y = _model_and_data()
    explorer = explore(model, X, y)
    assert list(explorer.sliders) == ["input_bits", "weight_bits", "output_bits",
                                      "rounding_bits"]
    assert explorer.session.verdict.compatible
    assert "layer 0" in explorer.graph.html
    with pytest.raises(TypeError, match="explore\\(torch_model, X, y\\)"):
        explore(model, X)
