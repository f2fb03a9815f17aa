"""Per-transform time of our four-lane FFT against rocket-fft's DUCC0 called per row.

    python bench/fft_bench.py [--sizes 512 1024 2048 4096] [--rows 64] [--repeats 200]

Both sides run inside one numba-compiled loop over ``--rows`` rows (so the call overhead
of Python is out of both), on one thread, the same random data, after one warm-up call
each; the figure is the median (and min–max) over ``--repeats`` loops divided by the row
count, in µs per M-point complex transform. DUCC0 (rocket-fft's ``c2c`` on one preallocated row per call) is what ``fft.py``
replaced; it runs when ``rocket-fft`` is installed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _ours(size: int):
    from numba import njit

    from fhe_assistant.backend.tfhe.fft import fft_forward, fft_twiddles

    twiddles = fft_twiddles(size)

    @njit(cache=False)
    def rows_forward(re, im, tw):
        for r in range(re.shape[0]):
            fft_forward(re[r], im[r], tw)

    return lambda re, im, data: rows_forward(re, im, twiddles)


def _ducc0():
    """DUCC0's ``c2c`` on one preallocated (1, M) row per call, as ``fft.py`` used it."""
    try:
        from rocket_fft import c2c
    except ImportError:
        return None
    from numba import njit

    axis = np.array([1], dtype=np.int64)

    @njit(cache=False)
    def rows_forward(data, out, axes):
        for r in range(data.shape[0]):
            c2c(data[r:r + 1], out[r:r + 1], axes, True, 1.0, 1)

    def run(re, im, data):
        out = run.out if getattr(run, "out", None) is not None and run.out.shape == data.shape \
            else np.empty_like(data)
        run.out = out
        rows_forward(data, out, axis)

    return run


def _per_transform_us(run, rows: int, size: int, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    re, im = rng.standard_normal((rows, size)), rng.standard_normal((rows, size))
    data = re + 1j * im
    run(re, im, data)  # warm-up (and JIT)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(re, im, data)
        times.append((time.perf_counter() - start) / rows * 1e6)
        re *= 1e-3  # keep the values bounded across repeats
        im *= 1e-3
        data *= 1e-3
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[512, 1024, 2048, 4096])
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=200)
    arguments = parser.parse_args()
    import numba

    numba.set_num_threads(1)
    ducc0 = _ducc0()
    print("| M (points) | ours µs, median (min–max) | DUCC0 per row µs | DUCC0 / ours |")
    print("|---|---|---|---|")
    for size in arguments.sizes:
        ours = _per_transform_us(_ours(size), arguments.rows, size, arguments.repeats)
        theirs = _per_transform_us(ducc0, arguments.rows, size, arguments.repeats) \
            if ducc0 else None

        def text(t):
            return f"{t['median']:.2f} ({t['min']:.2f}–{t['max']:.2f})" if t else "n/a"

        ratio = f"{theirs['median'] / ours['median']:.2f}" if theirs else "n/a"
        print(f"| {size} | {text(ours)} | {text(theirs)} | {ratio} |")


if __name__ == "__main__":
    main()
