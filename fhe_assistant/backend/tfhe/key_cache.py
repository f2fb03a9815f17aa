"""An opt-in, INSECURE on-disk cache of generated keys (Concrete: ``insecure_key_cache_location``).

Key generation takes about a second at 4-bit parameters and tens of seconds at 8 bits;
tests and notebooks that rerun often can reuse keys instead. The cache writes the
**secret keys in clear** to disk next to the evaluation keys, so anyone who can read the
directory can decrypt everything encrypted under them. Use it only for tests, examples
and benchmarks, never for real data.

Layout: ``<location>/<params fingerprint>-<tag>/`` holding ``lwe_key.npy``,
``glwe_key.npy``, ``bootstrap_key_fourier.npy``, ``keyswitch_key.npy`` (absent when the
parameters have no PBS) and ``params.json``. Entries are written to a temporary directory
and renamed into place, so a reader never sees a half-written entry. Keys cached before the
FFT's kernel order (complex128 natural-order bootstrapping key, uint64 keyswitching key)
are converted on load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from fhe_assistant.crypto.parameters import TFHEParameters

from .algorithms.key_generation import generate_keys
from .entities.evaluation_keys import EvaluationKeys
from .entities.fourier_ggsw import ggsw_from_natural_order
from .entities.lwe_keyswitch_key import round_to_top_half
from .entities.secret_keys import SecretKeys
from .rng import make_random

__all__ = ["InsecureKeyCache"]

_TAG = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_FILES = ("lwe_key", "glwe_key", "bootstrap_key_fourier", "keyswitch_key")


class InsecureKeyCache:
    """INSECURE key cache: stores secret keys unencrypted on disk (tests and notebooks only).

    Parameters
    ----------
    location : path-like — the cache directory (created on first store)

    Examples
    --------
    >>> cache = InsecureKeyCache(".fhe_key_cache")            # doctest: +SKIP
    >>> sk, ek = cache.load_or_generate(params, tag="tests")  # doctest: +SKIP
    """

    def __init__(self, location) -> None:
        self.location = Path(location)

    def entry_path(self, params: TFHEParameters, tag: str = "default") -> Path:
        """The directory of the entry for ``params`` and ``tag``."""
        if not _TAG.match(tag):
            raise ValueError(f"cache tag must match {_TAG.pattern}, got {tag!r}")
        return self.location / f"{params.fingerprint()}-{tag}"

    def load(
        self, params: TFHEParameters, tag: str = "default"
    ) -> tuple[SecretKeys, EvaluationKeys] | None:
        """The cached keys, or None when there is no entry."""
        path = self.entry_path(params, tag)
        if not (path / "params.json").exists():
            return None
        stored = TFHEParameters.upgrade_field_names(json.loads((path / "params.json").read_text()))
        if stored != params.as_dict():  # (entries written before the TFHE names load too)
            raise ValueError(f"cache entry {path} holds keys for other parameters: {stored}")
        arrays = {
            name: np.load(path / f"{name}.npy") if (path / f"{name}.npy").exists() else None
            for name in _FILES
        }
        bootstrap_key = arrays["bootstrap_key_fourier"]
        if bootstrap_key is not None and bootstrap_key.dtype == np.complex128:
            arrays["bootstrap_key_fourier"] = ggsw_from_natural_order(bootstrap_key)
        keyswitch_key = arrays["keyswitch_key"]
        if keyswitch_key is not None and keyswitch_key.dtype == np.uint64:
            arrays["keyswitch_key"] = round_to_top_half(keyswitch_key)
        return (
            SecretKeys(arrays["lwe_key"], arrays["glwe_key"]),
            EvaluationKeys(arrays["bootstrap_key_fourier"], arrays["keyswitch_key"]),
        )

    def store(
        self,
        params: TFHEParameters,
        tag: str,
        secret_keys: SecretKeys,
        evaluation_keys: EvaluationKeys,
    ) -> Path:
        """Write an entry (replacing an existing one); returns its directory."""
        path = self.entry_path(params, tag)
        self.location.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.location))
        try:
            arrays = {
                "lwe_key": secret_keys.lwe_key,
                "glwe_key": secret_keys.glwe_key,
                "bootstrap_key_fourier": evaluation_keys.bootstrap_key_fourier,
                "keyswitch_key": evaluation_keys.keyswitch_key,
            }
            for name, array in arrays.items():
                if array is not None:
                    np.save(staging / f"{name}.npy", array)
            (staging / "params.json").write_text(json.dumps(params.as_dict(), sort_keys=True))
            if path.exists():
                shutil.rmtree(path)
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return path

    def load_or_generate(
        self, params: TFHEParameters, tag: str = "default", rng=None
    ) -> tuple[SecretKeys, EvaluationKeys]:
        """Cached keys for ``params``/``tag``, generating and storing them on a miss.

        ``rng`` defaults to the secure generator (:func:`.rng.make_random`).
        """
        cached = self.load(params, tag)
        if cached is not None:
            return cached
        keys = generate_keys(params, make_random() if rng is None else rng)
        self.store(params, tag, *keys)
        return keys
