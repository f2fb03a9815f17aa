"""torch models for the tests: tiny, seeded, in eval mode."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn


def seeded(factory, seed: int = 0):
    torch.manual_seed(seed)
    model = factory()
    return model.eval()


def torch_outputs(model, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor(X, dtype=torch.float32)).numpy().astype(np.float64)


def randomize_batch_norms(model) -> None:
    """Non-trivial running statistics, so that folding batch norm is actually tested."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d):
            n = module.num_features
            module.running_mean.copy_(torch.rand(n, generator=generator) - 0.5)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
