import pytest
from fake_octoperf import FakeOctoPerf
from support import connect


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def octoperf():
    fake = FakeOctoPerf()
    yield fake
    assert not fake.unexpected, f"requests the fake OctoPerf does not serve: {fake.unexpected}"


@pytest.fixture
async def client(octoperf):
    async with connect(octoperf) as client:
        yield client
