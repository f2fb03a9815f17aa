"""Key files of programs with several parameter sets (format version 2).

Evaluation keys and key sets of a program compiled with MULTI keep one section per key:
``bootstrap_key_fourier.{P}`` float64 (n, k+1, (k+1)·l, 2, N/2) for each partition P,
``keyswitch_key.{S}.{T}`` uint32 (k_S·N_S, l, n_T+1) for each keyswitching key used (own
keys S = T, cross-partition keys S ≠ T), and, in a key set, ``lwe_key_bits.{P}`` and
``glwe_key_bits.{P}`` (np.packbits). The metadata holds the key set
(:class:`crypto.key_set.KeySetParameters`, each set checked as single-set files are), its
fingerprint, the key id and the Fourier layout. Single-set files are unchanged (version 1).
"""
from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

import numpy as np

from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import TFHEParameters
from .envelope import require_hex
from .errors import SerializationError
from .specs import key_set_from_json

if TYPE_CHECKING:  # the TFHE core loads numba: imported where keys are made
    from ..backend.key_sets import PartitionedEvaluationKeys, PartitionedSecretKeys
    from ..backend.tfhe import SecretKeys

#: the bootstrapping keys' spectra layout (also read by :mod:`deploy.evaluation_key_format`)
FOURIER_LAYOUT = "kernel-order-1"


def key_set_id_of(key_set: KeySetParameters, secret_keys: PartitionedSecretKeys) -> str:
    """:func:`key_id_of` for a program with several parameter sets (all partitions' keys)."""
    digest = hashlib.sha256(b"fhe_assistant key id\0" + key_set.fingerprint().encode())
    for keys in secret_keys.partitions:
        digest.update(np.ascontiguousarray(keys.lwe_key, dtype=np.uint64).tobytes())
        digest.update(np.ascontiguousarray(keys.glwe_key, dtype=np.uint64).tobytes())
    return digest.hexdigest()[:32]


def widest(key_set: KeySetParameters) -> TFHEParameters:
    """The set of the widest partition (what single-set fields show)."""
    return max(key_set.partitions, key=lambda p: p.message_bit_width)


def key_set_metadata(key_set: KeySetParameters, key_id: str) -> dict:
    return {"key_set": key_set.as_dict(), "fingerprint": key_set.fingerprint(),
            "key_id": key_id, "fourier_layout": FOURIER_LAYOUT}


def key_set_cache_path(directory: str | None, key_set, seed: int | None) -> str | None:
    """Where the INSECURE key cache keeps this key set (the directory is created);
    ``key_set``: a :class:`KeySetParameters` or WoP parameters (anything with a
    fingerprint)."""
    if directory is None:
        return None
    os.makedirs(directory, exist_ok=True)
    tag = f"seed-{seed}" if seed is not None else "random"
    return os.path.join(directory, f"{key_set.fingerprint()}-{tag}.keyset")


#: the secret-key sections of a single-set (or WoP) key file
SECRET_NAMES = frozenset({"lwe_key_bits", "glwe_key_bits"})


def secret_bits(secret: SecretKeys) -> dict[str, np.ndarray]:
    """One parameter set's secret keys as packed bits (``lwe_key_bits``, ``glwe_key_bits``)."""
    return {"lwe_key_bits": np.packbits(secret.lwe_key.astype(np.uint8)),
            "glwe_key_bits": np.packbits(secret.glwe_key.reshape(-1).astype(np.uint8))}


def read_secret_bits(arrays: dict, parameters: TFHEParameters, what: str) -> SecretKeys:
    """The packed secret key bits of a single-set key file, checked against the parameters."""
    n, k, size = (parameters.lwe_dimension, parameters.glwe_dimension,
                  parameters.polynomial_size)
    secret = {}
    for name, count in (("lwe_key_bits", n), ("glwe_key_bits", k * size)):
        bits = arrays.get(name)
        if bits is None or bits.dtype != np.uint8 or bits.shape != ((count + 7) // 8,):
            raise SerializationError(f"corrupted {what}: {name} does not match the "
                                     f"parameters")
        unpacked = np.unpackbits(bits)
        if unpacked[count:].any():
            raise SerializationError(f"corrupted {what}: {name} has bits set past the "
                                     f"{count} key bits")
        secret[name] = unpacked[:count].astype(np.uint64)
    from ..backend.tfhe import SecretKeys

    return SecretKeys(secret["lwe_key_bits"], secret["glwe_key_bits"].reshape(k, size))


def secret_sections(secret_keys: PartitionedSecretKeys) -> dict[str, np.ndarray]:
    arrays = {}
    for index, secret in enumerate(secret_keys.partitions):
        arrays[f"lwe_key_bits.{index}"] = np.packbits(secret.lwe_key.astype(np.uint8))
        arrays[f"glwe_key_bits.{index}"] = np.packbits(secret.glwe_key.reshape(-1)
                                                       .astype(np.uint8))
    return arrays


def partitioned_sections(inner: PartitionedEvaluationKeys) -> dict[str, np.ndarray]:
    sections = {f"bootstrap_key_fourier.{i}": key
                for i, key in enumerate(inner.bootstrap_keys) if key is not None}
    sections.update({f"keyswitch_key.{s}.{t}": key
                     for (s, t), key in inner.keyswitch_keys.items()})
    return sections


def partitioned_shapes(key_set: KeySetParameters) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for index, params in enumerate(key_set.partitions):
        if params.lwe_dimension:
            k, size = params.glwe_dimension, params.polynomial_size
            level = params.decomposition_level_count
            shapes[f"bootstrap_key_fourier.{index}"] = (
                params.lwe_dimension, k + 1, (k + 1) * level, 2, size // 2)
    for ks in key_set.keyswitches:
        cross = key_set.keyswitch_shape(ks.source, ks.target)
        shapes[f"keyswitch_key.{ks.source}.{ks.target}"] = (
            cross.big_lwe_dimension, ks.level, cross.lwe_dimension + 1)
    return shapes


def read_partitioned(arrays: dict, key_set: KeySetParameters, metadata: dict,
                      what: str) -> PartitionedEvaluationKeys:
    if metadata.get("fourier_layout") != FOURIER_LAYOUT:
        raise SerializationError(f"this {what} stores its bootstrapping keys in a layout this "
                                 f"fhe_assistant does not know: upgrade fhe_assistant")
    for name, shape in partitioned_shapes(key_set).items():
        array = arrays.get(name)
        dtype = np.float64 if name.startswith("bootstrap") else np.uint32
        if array is None or array.shape != shape or array.dtype != dtype:
            raise SerializationError(f"corrupted {what}: {name} does not have the shape {shape} "
                                     f"the parameters imply")
    from ..backend.key_sets import PartitionedEvaluationKeys

    return PartitionedEvaluationKeys(
        tuple(arrays.get(f"bootstrap_key_fourier.{i}") for i in range(len(key_set.partitions))),
        {(k.source, k.target): arrays[f"keyswitch_key.{k.source}.{k.target}"]
         for k in key_set.keyswitches})


def read_key_set_header(metadata: dict, what: str) -> tuple[KeySetParameters, str]:
    key_set = key_set_from_json(metadata.get("key_set"), what)
    if metadata.get("fingerprint") != key_set.fingerprint():
        raise SerializationError(f"corrupted {what}: the key-set fingerprint does not match")
    return key_set, require_hex(metadata, "key_id", 32, what)


def read_key_set_evaluation(envelope, what: str):
    """(key set, key id, evaluation keys) of a version-2 evaluation-key file."""
    key_set, key_id = read_key_set_header(envelope.metadata, what)
    _check_sections(set(envelope.arrays), set(partitioned_shapes(key_set)), what)
    return key_set, key_id, read_partitioned(envelope.arrays, key_set, envelope.metadata, what)


def read_key_set(envelope, what: str):
    """(key set, key id, secret keys, evaluation keys) of a version-2 key-set file."""
    key_set, key_id = read_key_set_header(envelope.metadata, what)
    from ..backend.key_sets import PartitionedSecretKeys
    from ..backend.tfhe import SecretKeys

    secrets = []
    for index, params in enumerate(key_set.partitions):
        bits = {}
        for name, count in (("lwe_key_bits", params.lwe_dimension),
                            ("glwe_key_bits", params.big_lwe_dimension)):
            packed = envelope.arrays.get(f"{name}.{index}")
            if packed is None or packed.dtype != np.uint8 or packed.shape != ((count + 7) // 8,):
                raise SerializationError(f"corrupted {what}: {name}.{index} does not match "
                                         f"the parameters")
            bits[name] = np.unpackbits(packed)[:count].astype(np.uint64)
        secrets.append(SecretKeys(bits["lwe_key_bits"], bits["glwe_key_bits"].reshape(
            params.glwe_dimension, params.polynomial_size)))
    secret_keys = PartitionedSecretKeys(tuple(secrets))
    if key_set_id_of(key_set, secret_keys) != key_id:
        raise SerializationError(f"corrupted {what}: the key id does not match the keys")
    expected = set(partitioned_shapes(key_set)) | set(secret_sections(secret_keys))
    _check_sections(set(envelope.arrays), expected, what)
    return key_set, key_id, secret_keys, read_partitioned(envelope.arrays, key_set,
                                                           envelope.metadata, what)


def _check_sections(present: set, expected: set, what: str) -> None:
    if present != expected:
        missing, extra = sorted(expected - present)[:4], sorted(present - expected)[:4]
        raise SerializationError(f"corrupted {what}: sections do not match the key set "
                                 f"(missing {', '.join(missing) or 'none'}; unexpected "
                                 f"{', '.join(str(e)[:40] for e in extra) or 'none'})")
