import pytest

from consolidator.profile import load_profile


@pytest.fixture(scope="session")
def udmurt():
    return load_profile("udmurt")
