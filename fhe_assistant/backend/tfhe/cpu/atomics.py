"""Acquire/release flags between threads of one numba parallel region (``llvm`` atomics).

Why: a single bootstrap is split over two threads
(:mod:`..algorithms.two_thread_bootstrap`) that must wait for each other once per CMux
step, about every 10–80 µs. A numba parallel region per step
would cost more than the step; a spin on a flag costs ~0.1 µs. numba has no atomics of its
own, so these intrinsics emit them:

* :func:`store_release` — ``store atomic i64 … release``: every write made before it is
  visible to a thread that reads the new value with :func:`load_acquire`;
* :func:`load_acquire` — ``load atomic i64 … acquire``;
* :func:`spin_pause` — the x86 ``pause`` hint inside spin loops (nothing elsewhere);
* :func:`yield_thread` — POSIX ``sched_yield``, so that a waiting thread gives its core
  to the thread it waits for when the machine has more runnable threads than cores.

The flags are int64 array elements; keep flags of different threads on different cache
lines (64 bytes apart) so that spinning does not slow the writer down.
"""

from __future__ import annotations

import os
import platform

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["load_acquire", "spin_pause", "store_release", "yield_thread"]

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
_POSIX = os.name == "posix"


def _element_pointer(context, builder, array_type, array, index):
    ary = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, ary, [index])


def _is_int64_array(array) -> bool:
    return isinstance(array, types.Array) and array.dtype == types.int64 and array.ndim == 1


@intrinsic
def load_acquire(typingctx, array, index):
    """array[index] (int64, 1-D) read with acquire ordering."""
    if not _is_int64_array(array) or not isinstance(index, types.Integer):
        return None
    sig = types.int64(array, index)

    def codegen(context, builder, sig, args):
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        pointer = _element_pointer(context, builder, sig.args[0], args[0], index)
        return builder.load_atomic(pointer, "acquire", 8)

    return sig, codegen


@intrinsic
def store_release(typingctx, array, index, value):
    """array[index] = value (int64, 1-D) with release ordering."""
    if (
        not _is_int64_array(array)
        or not isinstance(index, types.Integer)
        or not isinstance(value, types.Integer)
    ):
        return None
    sig = types.void(array, index, value)

    def codegen(context, builder, sig, args):
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        value = context.cast(builder, args[2], sig.args[2], types.int64)
        pointer = _element_pointer(context, builder, sig.args[0], args[0], index)
        builder.store_atomic(value, pointer, "release", 8)
        return context.get_dummy_value()

    return sig, codegen


def _call_void(builder, name: str, returns=None) -> None:
    """Emit a call to the argument-less function ``name`` (an LLVM intrinsic or C symbol)."""
    fnty = ir.FunctionType(returns or ir.VoidType(), [])
    builder.call(cgutils.get_or_insert_function(builder.module, fnty, name), [])


@intrinsic
def spin_pause(typingctx):
    """A CPU hint that this thread is spinning (x86 ``pause``; a no-op elsewhere)."""
    sig = types.void()

    def codegen(context, builder, sig, args):
        if _X86:
            _call_void(builder, "llvm.x86.sse2.pause")
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def yield_thread(typingctx):
    """Give up the core for now (``sched_yield`` from the C library; a pause elsewhere).

    The call is by symbol name, resolved when the compiled code is linked, so kernels
    that use it stay cacheable.
    """
    sig = types.void()

    def codegen(context, builder, sig, args):
        if _POSIX:
            _call_void(builder, "sched_yield", ir.IntType(32))
        elif _X86:
            _call_void(builder, "llvm.x86.sse2.pause")
        return context.get_dummy_value()

    return sig, codegen
