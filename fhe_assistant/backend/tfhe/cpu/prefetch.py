"""A software prefetch hint for numba kernels (``llvm.prefetch``).

A single blind rotation streams the whole Fourier bootstrapping key from DRAM, one GGSW
(74 KB at 4-bit parameters) per step; without help the multiply-add waits for it
(measured 11.2 µs per CMux in cache vs 14.5 µs streaming). Prefetching the *next* GGSW,
a few cache lines per block of the current step's decomposition loop, hides part of
that wait (about 0.9 µs per CMux here). Bursts of prefetches did not help: they must be
spread over the step.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch"]


@intrinsic
def prefetch(typingctx, array, byte_offset):
    """Hint the CPU to fetch the cache line at ``array.ctypes.data + byte_offset``.

    ``llvm.prefetch`` (read, locality 1: ``prefetcht2`` on x86, which measured best here).
    No effect on results; an offset outside the array is harmless (prefetches never fault).
    """
    if not isinstance(array, types.Array) or not isinstance(byte_offset, types.Integer):
        return None
    sig = types.void(array, byte_offset)

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        base = builder.ptrtoint(ary.data, ir.IntType(64))
        offset = context.cast(builder, args[1], sig.args[1], types.int64)
        address = builder.inttoptr(builder.add(base, offset), ir.PointerType(ir.IntType(8)))
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ir.PointerType(ir.IntType(8)), i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 1), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
