"""The reproduction runner end to end at small scale."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def reproduce(*args):
    completed = subprocess.run([sys.executable, "-m", "experiments.reproduce", *args], capture_output=True,
                               text=True, timeout=1200)
    if completed.returncode != 0:
        raise AssertionError(f"reproduce exited with {completed.returncode}:\n{completed.stderr[-3000:]}")
    return completed


@pytest.fixture(scope="module")
def small_table1(tmp_path_factory):
    output = tmp_path_factory.mktemp("small")
    completed = reproduce("--target=table1", "--scale=small", f"--output_dir={output}", "--num_resamples=50")
    return output, completed


def test_table1_small_writes_tables(small_table1):
    output, completed = small_table1
    assert "[16/16]" in completed.stdout
    table = pd.read_csv(output / "tables" / "table1.csv")
    # 2 measures x 4 block counts x 3 fractions.
    assert len(table) == 24
    assert set(table["B"]) == {10, 20, 50, 100}
    assert np.all(np.isfinite(table["peak"]))
    assert "paper gain %" in (output / "tables" / "table1.md").read_text()
    page = (output / "RESULTS.md").read_text()
    assert "python -m experiments.reproduce --target=table1 --scale=small" in page
    assert "Departures from the paper" in page


def test_rerun_skips_complete_runs_and_adds_figure(small_table1):
    output, _ = small_table1
    completed = reproduce("--target=fig3", "--scale=small", f"--output_dir={output}", "--num_resamples=50")
    # fig3 shares table1's 16 IND and COO runs and adds 8 COO+OPTLSH runs.
    assert "24 runs: 16 already complete, 8 to run" in completed.stdout
    figures = sorted(path.name for path in (output / "figures").iterdir())
    assert any(name.endswith(".png") for name in figures)
    assert any(name.endswith(".pdf") for name in figures)
    for path in (output / "figures").iterdir():
        assert path.stat().st_size > 0
