import sys
from pathlib import Path

# Import the package from the checkout (packages/python/src), whether or not it is pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
