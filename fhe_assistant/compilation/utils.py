"""``fhe.inputset``: random inputsets from type specifications (Concrete's helper)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..dtypes import Integer
from ..tracing.typing import ScalarAnnotation
from ..values import ValueDescription


def inputset(*inputs: type | ValueDescription | Callable[[int], object], size: int = 100
             ) -> list[tuple]:
    """``size`` samples; each input is a scalar annotation (``fhe.uint4``), a
    ``ValueDescription`` (``fhe.tensor[fhe.int6, 5]``) or a function of the sample index."""
    samples = []
    for index in range(size):
        sample = []
        for specification in inputs:
            is_scalar = isinstance(specification, type) and issubclass(specification,
                                                                       ScalarAnnotation)
            if is_scalar or isinstance(specification, ValueDescription):
                dtype = specification.dtype
                shape = () if is_scalar else specification.shape
                if isinstance(dtype, Integer):
                    sample.append(np.random.randint(dtype.min(), dtype.max() + 1, size=shape))
                else:
                    sample.append(np.random.rand(*shape))
            elif callable(specification):
                sample.append(specification(index))
            else:
                raise TypeError(f"fhe.inputset takes annotations (fhe.uint4), value "
                                f"descriptions (fhe.tensor[fhe.uint4, 3]) or functions of the "
                                f"sample index, not {specification!r}")
        samples.append(tuple(sample))
    return samples
