"""Randomness for TFHE: uniform masks, binary keys and Gaussian noise (tfhe-notes §1.8, §5.1).

Two sources share one interface:

* :class:`SecureRandom` (the default) draws every bit from the operating system's
  CSPRNG (``os.urandom``, which is what :mod:`secrets` uses). Masks, keys and noise all
  come from it.
* :class:`InsecureSeededRandom` draws from numpy's seeded ``Generator`` (PCG64). It
  is **not** a cryptographic generator and exists only to make tests reproducible.

Interface
---------
``uniform_uint64(shape)``
    i.i.d. uniform words of Z_q, q = 2**64, as ``uint64``.
``binary(shape)``
    i.i.d. uniform bits {0, 1} as ``uint64`` (binary secret keys).
``gaussian(shape, std)``
    i.i.d. round(N(0, std**2)) modulo 2**64 as ``int64``, ``std`` in units of the 2**64
    modulus (σ_mod = σ_torus · 2**64).  Adding ``noise.view(np.uint64)`` to a ``uint64``
    word adds the two's-complement noise modulo 2**64.

Exact low bits
--------------
A float64 holds 53 significant bits, so a Gaussian sample computed in floating point is a
multiple of u = ulp(z): once |z| ≥ 2**53 its low bits are forced to zero (at σ = 2**53.5
only 21.5 % of rounded samples were odd), and already from 2**44 on, rounding ties
(z = k + 1/2, a fraction u of the samples) all went to even (43 % odd at σ = 2**50). A
ciphertext's low bit would carry a noisy parity of the key. The float z stands for every
real in [z − u/2, z + u/2); :func:`round_exactly` draws the sample's position in that
interval from the same source (64 more bits a sample, only for |z| ≥ 2**32) before
rounding, which fills exactly the bits below the float's precision: the result is the
rounded Gaussian up to a relative 2**-52 of its density inside each interval.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["InsecureSeededRandom", "SecureRandom", "box_muller", "make_random", "round_exactly"]

_TWO_POW_MINUS_53 = 2.0**-53
_TWO_POW_32 = 2.0**32
_TWO_POW_53 = 2.0**53
_TWO_POW_63 = 2.0**63
_TWO_POW_64 = 2.0**64


def _shape_size(shape) -> tuple[tuple[int, ...], int]:
    shape = (shape,) if np.isscalar(shape) else tuple(int(s) for s in shape)
    return shape, int(np.prod(shape, dtype=np.int64))


def box_muller(words: np.ndarray, std: float) -> np.ndarray:
    """Rounded Gaussian samples from uniform 64-bit words (Box–Muller transform).

    Each pair of words (x, y) gives two samples. With u1 = (⌊x / 2**11⌋ + 1)·2**-53 ∈ (0, 1]
    and u2 = ⌊y / 2**11⌋·2**-53 ∈ [0, 1), the pair

        r = std · sqrt(-2 ln u1),   (z0, z1) = (r cos 2πu2, r sin 2πu2)

    is i.i.d. N(0, std²) (to float precision: :func:`round_exactly` rounds it).

    Parameters
    ----------
    words : uint64 array of even length 2h
    std : float
        Standard deviation in units of the 2**64 modulus.

    Returns
    -------
    float64 array of length 2h.
    """
    half = words.size // 2
    u1 = ((words[:half] >> np.uint64(11)).astype(np.float64) + 1.0) * _TWO_POW_MINUS_53
    u2 = (words[half : 2 * half] >> np.uint64(11)).astype(np.float64) * _TWO_POW_MINUS_53
    radius = std * np.sqrt(-2.0 * np.log(u1))
    angle = (2.0 * np.pi) * u2
    out = np.empty(2 * half, dtype=np.float64)
    np.multiply(radius, np.cos(angle), out=out[:half])
    np.multiply(radius, np.sin(angle), out=out[half:])
    return out


def _wrap_to_int64(samples: np.ndarray) -> np.ndarray:
    """Integral float64 samples modulo 2**64, as two's-complement int64 (exact)."""
    wrapped = np.fmod(samples, _TWO_POW_64)  # exact: fmod of floats never rounds
    wrapped[wrapped >= _TWO_POW_63] -= _TWO_POW_64
    wrapped[wrapped < -_TWO_POW_63] += _TWO_POW_64
    return wrapped.astype(np.int64)


def round_exactly(samples: np.ndarray, uniform_uint64) -> np.ndarray:
    """Round real Gaussian samples to integers modulo 2**64, low bits exact (module doc).

    Parameters
    ----------
    samples : float64 array (``box_muller``'s output)
    uniform_uint64 : callable(count) -> uint64 array
        The randomness source that places each sample inside its float's interval; called
        once, for the samples with |z| ≥ 2**32 (below, a rounding tie has probability
        under 2**-21 and ``rint`` is used).

    Returns
    -------
    int64 array: round(z) modulo 2**64, two's complement.
    """
    result = np.empty(samples.shape, dtype=np.int64)
    magnitude = np.abs(samples)
    fine = magnitude < _TWO_POW_32
    result[fine] = np.rint(samples[fine]).astype(np.int64)
    coarse = np.flatnonzero(~fine)
    if coarse.size == 0:
        return result
    words = uniform_uint64(coarse.size)
    z = samples[coarse]
    _, exponent = np.frexp(z)            # |z| = m·2**e, m ∈ [0.5, 1): ulp(z) = 2**(e - 53)
    below = magnitude[coarse] < _TWO_POW_53
    # ulp ≤ 1: z + ulp·(v − 1/2), v uniform in [0, 1) with 53 bits, rounded half up
    ulp = np.ldexp(1.0, exponent[below] - 53)
    position = (words[below] >> np.uint64(11)).astype(np.float64) * _TWO_POW_MINUS_53 - 0.5
    whole = np.floor(z[below])
    step = np.floor(z[below] - whole + ulp * position + 0.5)
    values = np.empty(coarse.size, dtype=np.int64)
    values[below] = whole.astype(np.int64) + step.astype(np.int64)
    # ulp ≥ 2: z is an integer; a uniform offset in [−ulp/2, ulp/2) fills its low bits
    fill_bits = np.minimum(exponent[~below] - 53, 63).astype(np.uint64)
    offsets = words[~below] & ((np.uint64(1) << fill_bits) - np.uint64(1))
    offsets -= np.uint64(1) << (fill_bits - np.uint64(1))
    values[~below] = (_wrap_to_int64(z[~below]).view(np.uint64) + offsets).view(np.int64)
    result[coarse] = values
    return result


def rounded_gaussian(uniform_uint64, shape, std: float) -> np.ndarray:
    """round(N(0, std²)) as int64 of ``shape``, every bit drawn from ``uniform_uint64(count)``
    (Box–Muller on pairs of words, then :func:`round_exactly`)."""
    shape, size = _shape_size(shape)
    samples = box_muller(uniform_uint64(size + (size & 1)), std)[:size]
    return round_exactly(samples, uniform_uint64).reshape(shape)


class SecureRandom:
    """Cryptographically secure randomness from the operating system (``os.urandom``).

    This is the default source for key generation and encryption. It reads about
    500 MB/s here, enough for the ≈80 MB of masks of a 4-bit key set in ≈0.2 s.
    """

    is_secure = True

    def _words(self, count: int) -> np.ndarray:
        if count == 0:
            return np.zeros(0, dtype=np.uint64)
        return np.frombuffer(os.urandom(8 * count), dtype=np.uint64).copy()

    def uniform_uint64(self, shape) -> np.ndarray:
        """Uniform words of Z_(2**64), as uint64 of the given shape."""
        shape, size = _shape_size(shape)
        return self._words(size).reshape(shape)

    def binary(self, shape) -> np.ndarray:
        """Uniform bits {0, 1}, as uint64 of the given shape (binary secret keys)."""
        shape, size = _shape_size(shape)
        raw = np.frombuffer(os.urandom((size + 7) // 8), dtype=np.uint8)
        return np.unpackbits(raw)[:size].astype(np.uint64).reshape(shape)

    def gaussian(self, shape, std: float) -> np.ndarray:
        """round(N(0, std²)) as int64, std in units of the 2**64 modulus."""
        return rounded_gaussian(self._words, shape, std)

    def __repr__(self) -> str:
        return "SecureRandom(os.urandom)"


class InsecureSeededRandom:
    """INSECURE, reproducible randomness from numpy's seeded PCG64 generator — tests only.

    PCG64 is not a cryptographic generator: anyone who sees a few outputs can predict
    the rest, so keys, masks and noise drawn from it protect nothing. Use it only to
    make tests and examples reproducible; real keys use :class:`SecureRandom`.
    """

    is_secure = False

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._generator = np.random.Generator(np.random.PCG64(self.seed))

    def uniform_uint64(self, shape) -> np.ndarray:
        shape, size = _shape_size(shape)
        return self._generator.integers(
            0, 2**64, size=size, dtype=np.uint64, endpoint=False
        ).reshape(shape)

    def binary(self, shape) -> np.ndarray:
        shape, size = _shape_size(shape)
        return self._generator.integers(0, 2, size=size, dtype=np.uint64).reshape(shape)

    def gaussian(self, shape, std: float) -> np.ndarray:
        return rounded_gaussian(self.uniform_uint64, shape, std)

    def __repr__(self) -> str:
        return f"InsecureSeededRandom(seed={self.seed})"


def make_random(insecure_seed: int | None = None) -> SecureRandom | InsecureSeededRandom:
    """The randomness source: the OS CSPRNG unless an insecure test seed is given.

    Parameters
    ----------
    insecure_seed : int or None
        ``None`` (the default) returns :class:`SecureRandom`. An integer returns
        :class:`InsecureSeededRandom` — reproducible and **insecure**, for tests only.
    """
    if insecure_seed is None:
        return SecureRandom()
    return InsecureSeededRandom(insecure_seed)
