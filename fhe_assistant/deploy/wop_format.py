"""Files of programs whose wide lookups run as WoP-PBS (format version 3).

Client specs, server programs, evaluation keys and key sets of such a program carry its
:class:`crypto.wop_parameters.WopParameters` under ``"wop_parameters"`` (the KS-PBS part
stays in ``"parameters"``, so single-set fields read as before); the fingerprint is the WoP
set's. Keys hold the shared bootstrapping and keyswitching keys under their single-set
names plus the packing keyswitch keys of the circuit bootstrap; every section's shape and
dtype is compared with what the parameters imply before any of it is used, and the Fourier
spectra are range-checked. Version 3 is written only for WoP programs; older readers refuse
it with an "upgrade" message instead of misreading it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..crypto.wop_parameters import WopParameters
from .envelope import require_hex
from .errors import SerializationError
from .specs import (
    WOP_FORMAT_VERSION,
    read_wop_header,
    wop_parameters_from_json,
    wop_parameters_to_json,
)

__all__ = ["WOP_FORMAT_VERSION", "read_wop_header", "read_wop_keys", "wop_key_shapes",
           "wop_metadata", "wop_parameters_from_json", "wop_sections"]

if TYPE_CHECKING:  # the TFHE core loads numba: imported where keys are made
    from ..backend.tfhe import WopEvaluationKeys

# -- keys ------------------------------------------------------------------------------------------
def wop_metadata(parameters: WopParameters, key_id: str) -> dict:
    """The header of a WoP key file (evaluation keys or key set)."""
    from .key_set_format import FOURIER_LAYOUT

    return {"parameters": parameters.ks_pbs().as_dict(),
            "wop_parameters": wop_parameters_to_json(parameters),
            "fingerprint": parameters.fingerprint(), "key_id": key_id, "has_pbs": True,
            "fourier_layout": FOURIER_LAYOUT}


def read_wop_keys(envelope, what: str, secret_names=frozenset()):
    """(WoP parameters, key id, WoP evaluation keys) of a version-3 key file, after checking
    the header and that the sections are exactly those the parameters imply (plus
    ``secret_names`` in a key set)."""
    _, wop = read_wop_header(envelope.metadata, what)
    key_id = require_hex(envelope.metadata, "key_id", 32, what)
    if envelope.metadata.get("has_pbs") is not True:
        raise SerializationError(f"corrupted {what}: has_pbs contradicts the parameters")
    if set(envelope.arrays) != wop_section_names(wop) | set(secret_names):
        raise SerializationError(f"corrupted {what}: unexpected sections")
    return wop, key_id, read_wop_evaluation(envelope.arrays, wop, envelope.metadata, what)


def wop_key_shapes(parameters: WopParameters) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Section name -> (shape, dtype) of the WoP evaluation keys the parameters imply: the
    fields of :class:`backend.tfhe.WopEvaluationKeys` (the kernels' own table)."""
    from ..backend.tfhe import wop_key_shapes as shapes_of

    return {name: (tuple(int(d) for d in shape), np.dtype(dtype))
            for name, (shape, dtype) in shapes_of(parameters).items()}


def wop_sections(inner: WopEvaluationKeys) -> dict[str, np.ndarray]:
    return {name: getattr(inner, name) for name in _section_names(inner)}


def _section_names(inner) -> list[str]:
    from dataclasses import fields as dataclass_fields

    return [f.name for f in dataclass_fields(inner)]


def read_wop_evaluation(arrays: dict, parameters: WopParameters, metadata: dict,
                        what: str) -> WopEvaluationKeys:
    """The WoP evaluation keys of a version-3 file, every section checked first."""
    from .key_set_format import FOURIER_LAYOUT

    if metadata.get("fourier_layout") != FOURIER_LAYOUT:
        raise SerializationError(f"this {what} stores its bootstrapping key in a layout this "
                                 f"fhe_assistant does not know: upgrade fhe_assistant")
    expected = wop_key_shapes(parameters)
    for name, (shape, dtype) in expected.items():
        array = arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            raise SerializationError(f"corrupted {what}: {name} does not have the shape {shape} "
                                     f"the WoP parameters imply")
    from .evaluation_key_format import check_spectra

    for name, (_, dtype) in expected.items():
        if dtype.kind in "fc":
            check_spectra(arrays[name], parameters.polynomial_size, what)
    from ..backend.tfhe import WopEvaluationKeys

    return WopEvaluationKeys(**{name: arrays[name] for name in expected})


def wop_section_names(parameters: WopParameters) -> set[str]:
    return set(wop_key_shapes(parameters))
