"""Shared pytest fixtures.

Real data sets are found through one setting, the environment variable
COORD_W2V_DATA_DIR. Its default is the folder `shared/data` beside this
repository's checkout. Tests that need a file there skip when it is absent.
"""

import os
import pathlib

import pytest

_DEFAULT_DATA_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
DATA_DIR = pathlib.Path(os.environ.get("COORD_W2V_DATA_DIR", str(_DEFAULT_DATA_DIR)))


@pytest.fixture(scope="session")
def real_data_file():
    """Return a function that maps a path under the data folder to a Path, or skips."""

    def lookup(relative_path: str) -> pathlib.Path:
        path = DATA_DIR / relative_path
        if not path.exists():
            pytest.skip(
                f"real data file {path} is absent; set COORD_W2V_DATA_DIR to the folder that contains {relative_path}"
            )
        return path

    return lookup
