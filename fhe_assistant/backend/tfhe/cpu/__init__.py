"""CPU plumbing for the numba kernels: no cryptography here.

:mod:`.vec4` (four float64 lanes as one SIMD value), :mod:`.prefetch` (a cache hint),
:mod:`.atomics` (acquire/release flags and spin waits between threads) and :mod:`.openmp`
(numba's OpenMP wait policy, set on import).
"""
