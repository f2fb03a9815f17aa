"""TFHE parameters, security curve, noise formulas, cost model and optimizer (numbers only, no graphs)."""
