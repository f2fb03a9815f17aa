"""One bootstrap split over two threads ("lanes") for single-ciphertext latency.

Why: a lone table lookup (a scalar circuit, the last layer of a model) cannot use the
batch parallelism of :func:`.bootstrap.bootstrap_batch`, which spreads *ciphertexts* over
threads, so it ran on one core however many the machine had. Inside one CMux step the
k+1 GLWE polynomials are independent except at the Fourier multiply-add, which needs the
spectra of all of them. So each lane (thread) takes some of them:

1. rotate and decompose its rows ACC_r (r ≡ lane mod 2), forward FFT into the shared
   spectra buffer, and publish its step count (release store);
2. wait until every lane has published the step (acquire load);
3. for each of its output columns c: multiply-add over all rows, inverse FFT, untwist and
   add into ACC_c, and publish that its columns are written.

Columns follow rows (c ≡ lane mod 2), so with an even count a lane only reads what it
wrote itself; with an odd count (k = 2: three polynomials) the last column goes to the
other lane, which balances the FFTs 3 + 3 instead of 4 + 2, and the lane that decomposes
that row waits for it after decomposing its own rows (the wait overlaps real work).
The spectra are double-buffered by step parity: a lane can only be one step ahead of
the others (it waits at step 2), so it never overwrites spectra still being read.

Both lanes must run at the same time. They do when the numba parallel region gets two
threads; if it does not (one thread, a runtime that runs both iterations on one thread),
a lane that waits longer than ``SPIN_LIMIT`` spins raises the abort flag, both lanes
stop, and :func:`bootstrap_one_in_lanes` returns None so the caller runs the plain
one-thread bootstrap — slower, never wrong.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit, prange

from ..cpu.atomics import load_acquire, spin_pause, store_release, yield_thread
from ..fft.row_transforms import forward_rows, inverse_rows, untwist_round_add
from ..fft.tables import fourier_tables
from .fourier_multiply_add import (
    multiply_accumulate_column,
    multiply_accumulate_column_prefetching,
)
from .modulus_switch import start_rotation
from .sample_extraction import sample_extract_into
from .twisted_digits import rotate_decompose_into

__all__ = ["LANES", "SPIN_LIMIT", "bootstrap_one_in_lanes"]

LANES = 2
SPIN_LIMIT = 2_000_000  # checks (pauses, then yields: about 1–2 s) before giving up on a lane
_PAUSE_SPINS = 5_000  # checks with ``pause`` before waiting checks start to yield the core
_FLAG_STRIDE = 16  # int64 words between two flags: separate cache lines
_LANES_IN_USE = threading.Lock()


@njit(cache=True)
def _wait_flag(flags, index, value, abort, spin_limit) -> bool:
    """Wait until flags[index] ≥ value; False (and the abort flag raised) on give-up.

    Spins with ``pause`` first (the other lane is usually < 1 µs away), then yields the
    core at every check, which matters when other work competes for the cores.
    """
    spins = 0
    while load_acquire(flags, index) < value:
        if load_acquire(flags, abort) != 0:
            return False
        spins += 1
        if spins > spin_limit:
            store_release(flags, abort, 1)
            return False
        if spins < _PAUSE_SPINS:
            spin_pause()
        else:
            yield_thread()
    return True


@njit(cache=True)
def _column_owner(c, columns, lanes):
    """The lane that multiplies, transforms back and writes accumulator polynomial c.

    Polynomial r is decomposed by lane r mod lanes; the outputs follow, except that with
    an odd count the last one goes to the last lane. For k = 2 (three polynomials) lane 0
    then runs 2 forward + 1 inverse FFT and lane 1 runs 1 + 2, instead of 2 + 2 and 1 + 1.
    """
    if columns % lanes != 0 and c == columns - 1:
        return lanes - 1
    return c % lanes


@njit(cache=True)
def _lane_rotate(lane, lanes, powers, acc, bsk_f, base_log, level, tables, spectra, flags,
                 spin_limit) -> bool:
    """Lane ``lane``'s share of the blind rotation of ``acc`` (k+1, N), in place; False
    when the lanes gave up.

    Per step: decompose and transform this lane's rows — first those whose accumulator
    polynomial it wrote itself, then those another lane wrote (waiting for that lane's
    previous step) — publish, wait for every lane's spectra, then multiply, transform
    back and add this lane's output columns, and publish those.
    """
    columns = acc.shape[0]
    acc_f = np.empty((columns, 2, acc.shape[1] // 2), dtype=np.float64)
    twiddles = tables[4]
    abort = 2 * lanes * _FLAG_STRIDE
    rows = np.empty(columns, dtype=np.int64)  # own rows, self-written ones first
    count = 0
    for own_first in (True, False):
        for r in range(lane, columns, lanes):
            if (_column_owner(r, columns, lanes) == lane) == own_first:
                rows[count] = r
                count += 1
    outputs = np.empty(columns, dtype=np.int64)  # own columns, those others read first
    width = 0
    for others_first in (True, False):
        for c in range(columns):
            if _column_owner(c, columns, lanes) == lane and (c % lanes != lane) == others_first:
                outputs[width] = c
                width += 1
    lwe_dimension = bsk_f.shape[0]
    step = 0
    for i in range(lwe_dimension):
        power = powers[i]
        if power == 0:
            continue
        ggsw_f = bsk_f[i]
        spectrum = spectra[step & 1]
        nxt = bsk_f[min(i + 1, lwe_dimension - 1)]
        for t in range(count):
            r = rows[t]
            writer = _column_owner(r, columns, lanes)
            if writer != lane and step > 0 and not _wait_flag(
                flags, (lanes + writer) * _FLAG_STRIDE, step, abort, spin_limit
            ):
                return False
            first = r * level
            rotate_decompose_into(acc[r:r + 1], power, base_log, level, tables, spectrum, first,
                                  nxt, 0)
            forward_rows(spectrum[first:first + level], level, twiddles)
        step += 1
        store_release(flags, lane * _FLAG_STRIDE, step)
        for other in range(lanes):
            if other != lane and not _wait_flag(flags, other * _FLAG_STRIDE, step, abort,
                                                spin_limit):
                return False
        for t in range(width):
            c = outputs[t]
            if i + 1 < lwe_dimension:  # prefetch what this lane reads next step
                multiply_accumulate_column_prefetching(spectrum, ggsw_f, c, acc_f[c], nxt)
            else:
                multiply_accumulate_column(spectrum, ggsw_f, c, acc_f[c])
            inverse_rows(acc_f[c:c + 1], 1, twiddles)
            untwist_round_add(acc_f[c:c + 1], tables, acc[c:c + 1])
        store_release(flags, (lanes + lane) * _FLAG_STRIDE, step)
    return True


@njit(cache=True, parallel=True)
def _bootstrap_lanes(ct, test_vector, bsk_f, base_log, level, tables, lanes, spin_limit, out):
    """Bootstrap one ciphertext with ``lanes`` threads; False (``out`` untouched) on abort."""
    columns = bsk_f.shape[1]
    size = 2 * tables[0].size
    half = size // 2
    powers = np.empty(ct.size, dtype=np.int64)
    acc = np.empty((columns, size), dtype=np.uint64)
    start_rotation(ct, test_vector, powers, acc)
    spectra = np.empty((2, columns * level, 2, half), dtype=np.float64)
    flags = np.zeros((2 * lanes + 1) * _FLAG_STRIDE, dtype=np.int64)
    finished = np.zeros(lanes, dtype=np.bool_)  # a plain store: the parfor pass sees it
    for lane in prange(lanes):
        finished[lane] = _lane_rotate(lane, lanes, powers, acc, bsk_f, base_log, level, tables,
                                      spectra, flags, spin_limit)
    if not finished.all():
        return False
    sample_extract_into(acc, out)
    return True


def bootstrap_one_in_lanes(ct, test_vector, bsk_fourier, params,
                           spin_limit: int = SPIN_LIMIT) -> np.ndarray | None:
    """PBS of one LWE ciphertext (n+1,) on :data:`LANES` threads -> (k·N + 1,), or None.

    None means the lanes could not run side by side (see the module docstring), or that
    another Python thread of this process is bootstrapping in lanes right now (two pairs
    of spinning lanes would oversubscribe the cores); the caller then bootstraps on one
    thread. Arguments as in :func:`.bootstrap.bootstrap_batch`
    (already validated there): ``test_vector`` uint64 (N,), ``bsk_fourier`` float64
    (n, k+1, (k+1)·l, 2, N/2).
    """
    if not _LANES_IN_USE.acquire(blocking=False):
        return None  # another Python thread's lanes hold the cores: spinning would thrash
    try:
        k, size = params.glwe_dimension, params.polynomial_size
        out = np.empty(k * size + 1, dtype=np.uint64)
        done = _bootstrap_lanes(ct, test_vector, bsk_fourier, params.decomposition_base_log,
                                params.decomposition_level_count, fourier_tables(size), LANES,
                                spin_limit, out)
        return out if done else None
    finally:
        _LANES_IN_USE.release()
