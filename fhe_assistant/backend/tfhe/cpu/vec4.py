"""Four float64 lanes as one numba value (LLVM ``<4 x double>``), for the FFT and multiply-add.

Why: LLVM does not vectorize numba's in-place FFT butterflies on its own (the arrays may
alias, so every load and store stays scalar: a hand-written radix-4 FFT measured 2.1 µs
per 512-point transform, DUCC0 1.1 µs). With the vector written out, a radix-4 butterfly
is eight loads, a dozen arithmetic instructions and eight stores on four frequencies at
once (0.55 µs per 512-point transform, :mod:`..fft.radix4`). On AVX2/AVX-512 machines this
is one 256-bit register; elsewhere LLVM splits it into what the target has (two SSE2 or NEON
registers) — same results, slower.

Loads and stores take a 1-D float64 array and the index of the first lane; they assume
nothing about alignment and never check bounds (the callers' loops keep indices in range).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

__all__ = [
    "VEC",
    "vadd",
    "vfma",
    "vfms",
    "vfnma",
    "vload",
    "vmul",
    "vstore",
    "vsub",
    "vtranspose",
]

VEC = 4  # lanes
_LLVM_VEC = ir.VectorType(ir.DoubleType(), VEC)
_I32 = ir.IntType(32)


class Vec4Type(types.Type):
    """Four float64 lanes held in one SIMD register."""

    def __init__(self):
        super().__init__(name="Vec4")


vec4 = Vec4Type()


@register_model(Vec4Type)
class _Vec4Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _LLVM_VEC)


def _is_float_array(array) -> bool:
    return isinstance(array, types.Array) and array.dtype == types.float64 and array.ndim == 1


def _lane_pointer(context, builder, array_type, array, index, index_type):
    ary = context.make_array(array_type)(context, builder, array)
    index = context.cast(builder, index, index_type, types.intp)
    element = builder.gep(ary.data, [index])
    return builder.bitcast(element, _LLVM_VEC.as_pointer())


@intrinsic
def vload(typingctx, array, index):
    """array[index : index + 4] as a vector (float64, 1-D array)."""
    if not _is_float_array(array) or not isinstance(index, types.Integer):
        return None
    sig = vec4(array, index)

    def codegen(context, builder, sig, args):
        pointer = _lane_pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1])
        load = builder.load(pointer)
        load.align = 8
        return load

    return sig, codegen


@intrinsic
def vstore(typingctx, array, index, value):
    """array[index : index + 4] = value."""
    if not _is_float_array(array) or not isinstance(index, types.Integer) or value != vec4:
        return None
    sig = types.void(array, index, value)

    def codegen(context, builder, sig, args):
        pointer = _lane_pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1])
        store = builder.store(args[2], pointer)
        store.align = 8
        return context.get_dummy_value()

    return sig, codegen


def _binary(instruction: str, doc: str):
    def typer(typingctx, a, b):
        if a != vec4 or b != vec4:
            return None
        sig = vec4(a, b)

        def codegen(context, builder, sig, args):
            return getattr(builder, instruction)(args[0], args[1])

        return sig, codegen

    typer.__doc__ = doc
    typer.__name__ = f"v{instruction[1:]}"
    return intrinsic(typer)


vadd = _binary("fadd", "Lane-wise a + b.")
vsub = _binary("fsub", "Lane-wise a − b.")
vmul = _binary("fmul", "Lane-wise a · b.")


def _fused(name: str, negate_product: bool, negate_addend: bool, doc: str):
    """An ``llvm.fma`` intrinsic: (±a)·b ± c with one rounding."""
    def typer(typingctx, a, b, c):
        if a != vec4 or b != vec4 or c != vec4:
            return None
        sig = vec4(a, b, c)

        def codegen(context, builder, sig, args):
            fnty = ir.FunctionType(_LLVM_VEC, [_LLVM_VEC] * 3)
            fma = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.v4f64")
            factor = builder.fneg(args[0]) if negate_product else args[0]
            addend = builder.fneg(args[2]) if negate_addend else args[2]
            return builder.call(fma, [factor, args[1], addend])

        return sig, codegen

    typer.__doc__ = doc
    typer.__name__ = name
    return intrinsic(typer)


vfma = _fused("vfma", False, False, "Lane-wise a·b + c, one rounding (fused multiply-add).")
vfms = _fused("vfms", False, True, "Lane-wise a·b − c, one rounding.")
vfnma = _fused("vfnma", True, False, "Lane-wise c − a·b, one rounding.")


@intrinsic
def vtranspose(typingctx, a, b, c, d):
    """The 4×4 transpose of rows a, b, c, d: a tuple of the four columns."""
    if any(x != vec4 for x in (a, b, c, d)):
        return None
    sig = types.UniTuple(vec4, 4)(a, b, c, d)

    def codegen(context, builder, sig, args):
        def shuffle(x, y, lanes):
            mask = ir.Constant(ir.VectorType(_I32, VEC), [ir.Constant(_I32, i) for i in lanes])
            return builder.shuffle_vector(x, y, mask)

        a, b, c, d = args
        ab_lo = shuffle(a, b, (0, 4, 1, 5))  # a0 b0 a1 b1
        ab_hi = shuffle(a, b, (2, 6, 3, 7))  # a2 b2 a3 b3
        cd_lo = shuffle(c, d, (0, 4, 1, 5))
        cd_hi = shuffle(c, d, (2, 6, 3, 7))
        columns = (
            shuffle(ab_lo, cd_lo, (0, 1, 4, 5)),  # a0 b0 c0 d0
            shuffle(ab_lo, cd_lo, (2, 3, 6, 7)),  # a1 b1 c1 d1
            shuffle(ab_hi, cd_hi, (0, 1, 4, 5)),
            shuffle(ab_hi, cd_hi, (2, 3, 6, 7)),
        )
        return context.make_tuple(builder, sig.return_type, columns)

    return sig, codegen
