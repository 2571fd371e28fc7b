import sys
from pathlib import Path

# Import the package from the checkout (packages/python/src), whether or not it is pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

from relay import Relay  # noqa: E402


@pytest.fixture(scope="module")
def relay():
    """A real relay process for the module's tests (started once, torn down after)."""
    running = Relay()
    yield running
    running.close()
