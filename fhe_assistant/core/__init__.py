"""Core value types shared by every layer: dtypes, value specs, bounds, errors."""
