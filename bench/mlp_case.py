"""The MLP-like function both trace benchmarks run (ours and concrete-python's), one source."""
import numpy as np

FEATURES, HIDDEN, OUTPUTS = 8, 6, 3
_rng = np.random.default_rng(0)
W1 = _rng.integers(-2, 3, (FEATURES, HIDDEN))
B1 = _rng.integers(-4, 5, (HIDDEN,))
W2 = _rng.integers(-2, 3, (HIDDEN, OUTPUTS))


def mlp(x):
    hidden = np.maximum(x @ W1 + B1, 0)
    return hidden @ W2


def inputset(samples: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4, (samples, FEATURES))
