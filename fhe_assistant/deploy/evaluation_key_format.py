"""Evaluation keys of one parameter set on disk: section shapes, dtypes and layout checks.

What ``deploy.keys`` writes and reads for the server's half of a key set (envelope kind 3,
and the evaluation sections of a key set, kind 2): the section shapes the parameters imply
are checked before anything is used, the bootstrapping key's spectra must be finite and
bounded, and files written before the kernel-order layout are converted on load.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..crypto.parameters import TFHEParameters
from .errors import SerializationError
from .key_set_format import FOURIER_LAYOUT

if TYPE_CHECKING:  # the TFHE core loads numba: imported where keys are read
    from ..backend.tfhe import EvaluationKeys as _TFHEEvaluationKeys


def evaluation_key_shapes(parameters: TFHEParameters) -> dict[str, tuple[int, ...]]:
    n, k, size = parameters.lwe_dimension, parameters.glwe_dimension, parameters.polynomial_size
    if n == 0:
        return {}
    level = parameters.decomposition_level_count
    return {"bootstrap_key_fourier": (n, k + 1, (k + 1) * level, 2, size // 2),
            "keyswitch_key": (k * size, parameters.ks_decomposition_level_count, n + 1)}


def evaluation_metadata(parameters: TFHEParameters) -> dict:
    return {"fourier_layout": FOURIER_LAYOUT} if parameters.lwe_dimension > 0 else {}


def evaluation_sections(inner: _TFHEEvaluationKeys) -> dict[str, np.ndarray]:
    if inner.bootstrap_key_fourier is None:
        return {}
    return {"bootstrap_key_fourier": inner.bootstrap_key_fourier,
            "keyswitch_key": inner.keyswitch_key}


def read_evaluation(arrays: dict, parameters: TFHEParameters, metadata: dict,
                     what: str) -> _TFHEEvaluationKeys:
    shapes = evaluation_key_shapes(parameters)
    dtypes = {"bootstrap_key_fourier": np.float64, "keyswitch_key": np.uint32}
    layout = metadata.get("fourier_layout")
    if shapes and layout is None:  # written before the kernel order: natural complex spectra
        k, level = parameters.glwe_dimension, parameters.decomposition_level_count
        shapes["bootstrap_key_fourier"] = (parameters.lwe_dimension, level, k + 1, k + 1,
                                           parameters.polynomial_size // 2)
        dtypes["bootstrap_key_fourier"] = np.complex128
        dtypes["keyswitch_key"] = np.uint64
    elif shapes and layout != FOURIER_LAYOUT:
        raise SerializationError(f"this {what} stores its bootstrapping key in the layout "
                                 f"{layout!r}, which this fhe_assistant does not know "
                                 f"(it writes {FOURIER_LAYOUT!r}): upgrade fhe_assistant")
    for name, shape in shapes.items():
        array = arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtypes[name]:
            raise SerializationError(f"corrupted {what}: {name} does not have the shape {shape} "
                                     f"the parameters imply")
    if shapes:
        check_spectra(arrays["bootstrap_key_fourier"], parameters.polynomial_size, what)
    from ..backend import tfhe as tfhe_keys

    if not shapes:
        return tfhe_keys.EvaluationKeys(None, None)
    bootstrap_key = arrays["bootstrap_key_fourier"]
    keyswitch_key = arrays["keyswitch_key"]
    if layout is None:
        from ..backend.tfhe import ggsw_from_natural_order, round_to_top_half

        keyswitch_key = round_to_top_half(keyswitch_key)
        try:
            bootstrap_key = ggsw_from_natural_order(bootstrap_key)
        except ValueError as error:  # a polynomial size the kernels cannot transform
            raise SerializationError(f"cannot convert the bootstrapping key of this {what} "
                                     f"to the current layout: {error}") from None
    return tfhe_keys.EvaluationKeys(bootstrap_key, keyswitch_key)


def check_spectra(spectra: np.ndarray, polynomial_size: int, what: str) -> None:
    """A bootstrapping key's spectra are finite and bounded: each is the unnormalized
    transform of N torus words (|word| ≤ 2**63 as signed integers), so |part| ≤ N·2**63."""
    parts = spectra.view(np.float64) if spectra.dtype == np.complex128 else spectra
    if not np.isfinite(parts).all():
        raise SerializationError(f"corrupted {what}: the bootstrapping key holds NaN or "
                                 f"infinite values")
    bound = polynomial_size * 2.0**63
    if parts.size and np.abs(parts).max() > bound:
        raise SerializationError(f"corrupted {what}: the bootstrapping key holds values "
                                 f"beyond ±N·2**63 = ±{bound:.3g}")
