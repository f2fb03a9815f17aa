"""TFHE operations, one family a module (tfhe-rs ``core_crypto::algorithms``); each module's
docstring states the formal definition it implements. In-place kernels end in ``_into``."""
