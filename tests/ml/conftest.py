"""The data sets of the issue, split as in the Concrete ML comparison (cached per session)."""
import functools

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

LOADERS = {"iris": load_iris, "breast_cancer": load_breast_cancer, "digits": load_digits,
           "diabetes": load_diabetes}


@functools.cache
def split(name: str):
    """``train_test_split(StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0)``."""
    X, y = LOADERS[name](return_X_y=True)
    parts = train_test_split(StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0)
    for part in parts:
        part.setflags(write=False)
    return tuple(parts)


@pytest.fixture
def data():
    return split


@pytest.fixture(scope="session")
def key_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("ml_keys"))


__all__ = ["np", "split"]
