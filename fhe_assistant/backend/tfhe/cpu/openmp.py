"""OpenMP wait policy for numba's parallel kernels: passive unless the user chose one.

Why: numba's OpenMP workers spin after every parallel region by default. A lone lookup runs
its keyswitch on two threads and then its bootstrap on one; on the 2-vCPU VM of the
benchmarks the spinning worker halved the bootstrap's speed in about half of the calls
(``bench/tfhe_bench.py``, 4-bit, two threads: median 18.7–20.2 ms against 10.5–12.8 ms
with passive waiting; best times equal). Passive waiting costs one wake-up per parallel
region (microseconds; the regions here last a millisecond or more).

OpenMP reads the variable when its runtime loads, which numba does at the first parallel
kernel call, so importing this module (``backend.tfhe`` does) before that is enough; an
``OMP_WAIT_POLICY`` already in the environment is kept.
"""

from __future__ import annotations

import os

__all__ = ["OPENMP_WAIT_POLICY"]

OPENMP_WAIT_POLICY = os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
