import pytest


@pytest.fixture(scope="session")
def key_cache(tmp_path_factory):
    """One insecure key cache per test session: each parameter set is generated once."""
    return str(tmp_path_factory.mktemp("insecure-key-cache"))
