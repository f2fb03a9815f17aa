"""A software prefetch hint for numba kernels (``llvm.prefetch``).

The blind rotation reads one GGSW of the Fourier bootstrapping key per step (74 KB at
4-bit parameters) from DRAM. Prefetching the next GGSW while the FFTs of the current
step run hides most of that read (tfhe-notes §2.4: 1.25 µs per step in cache vs 4.68 µs
streaming).
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch", "prefetch_span"]


@intrinsic
def prefetch(typingctx, array, byte_offset):
    """Hint the CPU to load the cache line at ``array.ctypes.data + byte_offset`` (read, keep)."""
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
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True)
def prefetch_span(array, start: int, stop: int) -> None:
    """Prefetch the cache lines of bytes [start, stop) of a contiguous array."""
    for offset in range(start, stop, 64):
        prefetch(array, offset)
