"""Keys on the client side (``Keys``: secret + evaluation) and the public ``EvaluationKeys``.

Formats
-------
Evaluation keys (envelope kind 3), what the server receives::

    metadata {"parameters": {...}, "fingerprint", "key_id", "has_pbs": bool,
              "fourier_layout": "kernel-order-1"}
    sections "bootstrap_key_fourier" float64 (n, k+1, (k+1)·l, 2, N/2)  (when has_pbs)
             "keyswitch_key"         uint32  (k·N, l_ks, n+1)           (when has_pbs)

``fourier_layout`` names how the bootstrapping key's spectra are laid out (the FFT's
kernel order, :mod:`backend.tfhe.fft`; output-major GGSWs, :mod:`backend.tfhe.entities`).
The same layout version keeps the keyswitching key's 32-bit top halves
(:mod:`backend.tfhe.entities`). Files without it were written before (complex128
(n, l, k+1, k+1, N/2) natural-order bootstrapping key, uint64 keyswitching key) and are
converted on load; an unknown layout is refused with an "upgrade" message rather than
misread.

Key set (envelope kind 2), what ``Keys.save`` writes (mode 0o600) — **holds the secret key**::

    metadata {"parameters": {...}, "fingerprint", "key_id", "has_pbs": bool}
    sections "lwe_key_bits" uint8 (⌈n/8⌉,), "glwe_key_bits" uint8 (⌈k·N/8⌉,)  (np.packbits,
             :func:`.key_set_format.secret_bits`)
             + the two evaluation-key sections

Programs with WoP-PBS lookups write format version 3 (:mod:`.wop_format`): the header adds
``"wop_parameters"`` and the sections are the WoP evaluation keys (bootstrapping,
keyswitching and packing keyswitch keys).

``key_id`` is the first 128 bits of SHA-256("fhe_assistant key id" ‖ fingerprint ‖ secret
keys): a name for the key set that values and evaluation keys carry so that mismatches are
caught; it reveals nothing about the keys. Evaluation keys never contain the secret key.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import InputError
from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import TFHEParameters
from ..crypto.wop_parameters import WopParameters
from .envelope import Kind, decode_envelope, encode_envelope, require, require_hex
from .errors import SerializationError
from .evaluation_key_format import (
    evaluation_key_shapes,
    evaluation_metadata,
    evaluation_sections,
    read_evaluation,
)
from .key_set_format import (
    SECRET_NAMES,
    key_set_cache_path,
    key_set_id_of,
    key_set_metadata,
    partitioned_sections,
    read_key_set,
    read_key_set_evaluation,
    read_secret_bits,
    secret_bits,
    secret_sections,
    widest,
)
from .specs import (
    KEY_SET_FORMAT_VERSION,
    check_fingerprint,
    parameters_from_json,
    parameters_to_json,
)
from .wop_format import WOP_FORMAT_VERSION, read_wop_keys, wop_metadata, wop_sections

if TYPE_CHECKING:  # the TFHE core loads numba: imported where keys are made
    from ..backend.tfhe import EvaluationKeys as _TFHEEvaluationKeys
    from ..backend.tfhe import SecretKeys


def _tfhe():
    from ..backend import tfhe

    return tfhe, tfhe  # (keys, randomness): both from the package namespace


def key_id_of(parameters: TFHEParameters | WopParameters, secret_keys: SecretKeys) -> str:
    digest = hashlib.sha256(b"fhe_assistant key id\0" + parameters.fingerprint().encode())
    digest.update(np.ascontiguousarray(secret_keys.lwe_key, dtype=np.uint64).tobytes())
    digest.update(np.ascontiguousarray(secret_keys.glwe_key, dtype=np.uint64).tobytes())
    return digest.hexdigest()[:32]


def _read_header(metadata: dict, what: str) -> tuple[TFHEParameters, str]:
    parameters = parameters_from_json(metadata.get("parameters"), what)
    check_fingerprint(parameters, metadata.get("fingerprint"), what)
    key_id = require_hex(metadata, "key_id", 32, what)
    if require(metadata, "has_pbs", bool, what) != (parameters.lwe_dimension > 0):
        raise SerializationError(f"corrupted {what}: has_pbs contradicts the parameters")
    return parameters, key_id


def write_private(path, data: bytes) -> None:
    """Write ``data`` atomically to ``path`` with owner-only permissions (0o600)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, staging = tempfile.mkstemp(prefix=".fhe-keys-", dir=directory)  # mode 0o600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(staging, 0o600)
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.unlink(staging)
        raise


class EvaluationKeys:
    """The public keys a server needs to run a program (bootstrap and keyswitch keys)."""

    __slots__ = ("inner", "key_id", "key_set", "parameters", "wop_parameters")
    _WHAT = Kind.EVALUATION_KEYS.label

    def __init__(self, parameters: TFHEParameters, key_id: str, inner: _TFHEEvaluationKeys,
                 key_set: KeySetParameters | None = None,
                 wop_parameters: WopParameters | None = None):
        self.parameters, self.key_id, self.inner = parameters, key_id, inner
        self.key_set = key_set  # several parameter sets: inner is PartitionedEvaluationKeys
        self.wop_parameters = wop_parameters  # WoP-PBS lookups: inner is WopEvaluationKeys

    @property
    def fingerprint(self) -> str:
        if self.wop_parameters is not None:
            return self.wop_parameters.fingerprint()
        return self.parameters.fingerprint() if self.key_set is None \
            else self.key_set.fingerprint()

    def _sections(self) -> dict[str, np.ndarray]:
        if self.wop_parameters is not None:
            return wop_sections(self.inner)
        return (evaluation_sections(self.inner) if self.key_set is None
                else partitioned_sections(self.inner))

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._sections().values())

    def serialize(self) -> bytes:
        if self.wop_parameters is not None:
            return encode_envelope(Kind.EVALUATION_KEYS,
                                   wop_metadata(self.wop_parameters, self.key_id),
                                   self._sections(), version=WOP_FORMAT_VERSION)
        if self.key_set is not None:
            metadata = key_set_metadata(self.key_set, self.key_id)
            return encode_envelope(Kind.EVALUATION_KEYS, metadata, self._sections(),
                                   version=KEY_SET_FORMAT_VERSION)
        metadata = {"parameters": parameters_to_json(self.parameters),
                    "fingerprint": self.fingerprint, "key_id": self.key_id,
                    "has_pbs": self.parameters.lwe_dimension > 0,
                    **evaluation_metadata(self.parameters)}
        return encode_envelope(Kind.EVALUATION_KEYS, metadata, evaluation_sections(self.inner))

    @staticmethod
    def deserialize(data: bytes) -> EvaluationKeys:
        what = EvaluationKeys._WHAT
        envelope = decode_envelope(data, Kind.EVALUATION_KEYS)
        if "wop_parameters" in envelope.metadata:
            wop, key_id, inner = read_wop_keys(envelope, what)
            return EvaluationKeys(wop.ks_pbs(), key_id, inner, wop_parameters=wop)
        if "key_set" in envelope.metadata:
            key_set, key_id, inner = read_key_set_evaluation(envelope, what)
            return EvaluationKeys(widest(key_set), key_id, inner, key_set)
        parameters, key_id = _read_header(envelope.metadata, what)
        if set(envelope.arrays) != set(evaluation_key_shapes(parameters)):
            raise SerializationError(f"corrupted {what}: unexpected sections")
        return EvaluationKeys(parameters, key_id,
                              read_evaluation(envelope.arrays, parameters, envelope.metadata,
                                               what))

    def __repr__(self) -> str:
        return (f"EvaluationKeys(key_id={self.key_id[:8]}…, parameters {self.fingerprint}, "
                f"{self.nbytes / 2**20:.1f} MiB)")


class Keys:
    """A client's key set: the secret keys (never leave the client) and evaluation keys.

    Parameters
    ----------
    parameters : TFHEParameters
    cache_directory : str, optional
        INSECURE on-disk key cache (the secret key in the clear), shared with
        ``Configuration(insecure_key_cache_location=...)``: for tests and notebooks only
        (programs with one parameter set).
    key_set : KeySetParameters, optional
        A program with several parameter sets: the keys of every partition (``parameters``
        is then its widest set); ``secret`` is a ``PartitionedSecretKeys``.
    wop_parameters : WopParameters, optional
        A program with WoP-PBS lookups (``parameters`` is their KS-PBS part): the
        evaluation keys add the packing keyswitch keys.
    """

    _WHAT = Kind.KEY_SET.label

    def __init__(self, parameters: TFHEParameters, cache_directory: str | None = None,
                 key_set: KeySetParameters | None = None,
                 wop_parameters: WopParameters | None = None):
        self.parameters = parameters
        self.key_set = key_set
        self.wop_parameters = wop_parameters
        self.cache_directory = cache_directory
        self._secret: SecretKeys | None = None
        self._evaluation: EvaluationKeys | None = None
        self._random = None

    # -- generation ----------------------------------------------------------------------------
    @property
    def are_generated(self) -> bool:
        return self._secret is not None

    def generate(self, force: bool = False, seed: int | None = None,
                 encryption_seed: int | None = None) -> None:
        """Draw a key set (from the OS CSPRNG; ``seed`` makes it reproducible and INSECURE).

        ``encryption_seed`` makes encryption randomness reproducible (INSECURE, tests only).
        """
        if self.are_generated and not force:
            return
        if self.key_set is not None or self.wop_parameters is not None:
            self._generate_key_set(seed, encryption_seed)
            return
        from ..backend.runtime import generate_key_set

        keys = generate_key_set(self.parameters, seed, self.cache_directory)
        self.assign(*keys, encryption_seed=encryption_seed)

    def _generate_key_set(self, seed: int | None, encryption_seed: int | None) -> None:
        """Several parameter sets, or WoP keys: draw them (or read the INSECURE cache)."""
        path = key_set_cache_path(self.cache_directory, self.key_set or self.wop_parameters,
                                  seed)
        if path is not None and os.path.exists(path):
            with open(path, "rb") as file:
                cached = Keys.deserialize(file.read())
            self._secret, self._evaluation = cached._secret, cached._evaluation
            self._random = _tfhe()[1].make_random(encryption_seed)
            return
        if self.wop_parameters is not None:
            from ..backend.runtime import generate_wop_key_set

            self.assign(*generate_wop_key_set(self.wop_parameters, seed),
                        encryption_seed=encryption_seed)
        else:
            from ..backend.runtime import generate_partitioned_key_set

            self.assign(*generate_partitioned_key_set(self.key_set, seed),
                        encryption_seed=encryption_seed)
        if path is not None:
            write_private(path, self.serialize())

    def assign(self, secret_keys: SecretKeys, evaluation_keys: _TFHEEvaluationKeys,
               encryption_seed: int | None = None) -> None:
        """Adopt keys generated or loaded elsewhere."""
        _, rng = _tfhe()
        self._secret = secret_keys
        key_id = (key_id_of(self.wop_parameters or self.parameters, secret_keys)
                  if self.key_set is None else key_set_id_of(self.key_set, secret_keys))
        self._evaluation = EvaluationKeys(self.parameters, key_id, evaluation_keys, self.key_set,
                                          self.wop_parameters)
        self._random = rng.make_random(encryption_seed)

    def _require(self) -> None:
        if not self.are_generated:
            raise InputError("no keys yet: call client.keys.generate() or client.keys.load(path)")

    @property
    def evaluation(self) -> EvaluationKeys:
        self._require()
        return self._evaluation

    @property
    def key_id(self) -> str:
        self._require()
        return self._evaluation.key_id

    @property
    def secret(self) -> SecretKeys:
        self._require()
        return self._secret

    @property
    def random(self):
        self._require()
        return self._random

    # -- format --------------------------------------------------------------------------------
    def serialize(self) -> bytes:
        """The whole key set, secret key included: keep these bytes private."""
        self._require()
        if self.wop_parameters is not None:
            arrays = {**secret_bits(self._secret), **self._evaluation._sections()}
            return encode_envelope(Kind.KEY_SET, wop_metadata(self.wop_parameters, self.key_id),
                                   arrays, version=WOP_FORMAT_VERSION)
        if self.key_set is not None:
            arrays = {**secret_sections(self._secret), **self._evaluation._sections()}
            return encode_envelope(Kind.KEY_SET, key_set_metadata(self.key_set, self.key_id),
                                   arrays, version=KEY_SET_FORMAT_VERSION)
        metadata = {"parameters": parameters_to_json(self.parameters),
                    "fingerprint": self.parameters.fingerprint(), "key_id": self.key_id,
                    "has_pbs": self.parameters.lwe_dimension > 0,
                    **evaluation_metadata(self.parameters)}
        arrays = {**secret_bits(self._secret), **evaluation_sections(self._evaluation.inner)}
        return encode_envelope(Kind.KEY_SET, metadata, arrays)

    @staticmethod
    def deserialize(data: bytes, cache_directory: str | None = None) -> Keys:
        what = Keys._WHAT
        envelope = decode_envelope(data, Kind.KEY_SET)
        if "wop_parameters" in envelope.metadata:
            wop, key_id, inner = read_wop_keys(envelope, what, SECRET_NAMES)
            secret_keys = read_secret_bits(envelope.arrays, wop.ks_pbs(), what)
            if key_id_of(wop, secret_keys) != key_id:
                raise SerializationError(f"corrupted {what}: the key id does not match the keys")
            keys = Keys(wop.ks_pbs(), cache_directory, wop_parameters=wop)
            keys._secret = secret_keys
            keys._evaluation = EvaluationKeys(keys.parameters, key_id, inner, None, wop)
            keys._random = _tfhe()[1].make_random()
            return keys
        if "key_set" in envelope.metadata:
            key_set, key_id, secret_keys, inner = read_key_set(envelope, what)
            keys = Keys(widest(key_set), cache_directory, key_set)
            keys._secret = secret_keys
            keys._evaluation = EvaluationKeys(keys.parameters, key_id, inner, key_set)
            keys._random = _tfhe()[1].make_random()
            return keys
        parameters, key_id = _read_header(envelope.metadata, what)
        arrays = envelope.arrays
        secret_keys = read_secret_bits(arrays, parameters, what)
        if key_id_of(parameters, secret_keys) != key_id:
            raise SerializationError(f"corrupted {what}: the key id does not match the keys")
        keys = Keys(parameters, cache_directory)
        keys._secret = secret_keys
        keys._evaluation = EvaluationKeys(parameters, key_id,
                                          read_evaluation(arrays, parameters,
                                                           envelope.metadata, what))
        keys._random = _tfhe()[1].make_random()
        return keys

    def save(self, path) -> None:
        """Write the key set (secret key included) to ``path``, readable by the owner only."""
        write_private(path, self.serialize())

    def load(self, path) -> None:
        """Replace this key set by the one saved at ``path`` (same parameters required)."""
        with open(path, "rb") as file:
            loaded = Keys.deserialize(file.read())
        if loaded.parameters != self.parameters or loaded.key_set != self.key_set \
                or loaded.wop_parameters != self.wop_parameters:
            raise SerializationError(f"the keys in {os.fspath(path)!r} were made for other "
                                     f"parameters ({loaded.parameters.fingerprint()}) than this "
                                     f"client's ({self.parameters.fingerprint()})")
        self._secret, self._evaluation, self._random = (loaded._secret, loaded._evaluation,
                                                        loaded._random)

    def load_if_exists_generate_if_not(self, path, seed: int | None = None) -> None:
        if os.path.exists(path):
            self.load(path)
        else:
            self.generate(seed=seed)
            self.save(path)

    def __repr__(self) -> str:
        state = f"key_id={self.key_id[:8]}…" if self.are_generated else "not generated"
        return f"Keys({state}, parameters {self.parameters.fingerprint()})"
