"""TFHE data types, one a module (tfhe-rs ``core_crypto::entities``): what each array holds,
its shape and layout, and the conversions between layouts. The operations on them live in
:mod:`..algorithms`."""
