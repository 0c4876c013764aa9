"""Figure 9: one-sided COO, COO+OPTLSH and IND vs two-sided IND on blocks, B = 10 and 100.

It reproduces Figure 9 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Rows: precision@10 (top) and cosine gap (bottom). Runs: stochastic blocks
with d = 50, b = 64, lambda = 10, eta = 0.02. MIX runs are drawn too when
present. Two-sided training does twice the parameter updates per positive,
so the two x axes place two-sided IND differently. Regenerate with

  python -m plots.fig9 --runs_dir=runs --output_dir=figures

which writes fig9_parameter_updates.{png,pdf} and fig9_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

NUMBERS_OF_BLOCKS = (10, 100)
# "MIX@" stands for every MIX method present.
METHODS = ("COO", "COO+OPTLSH", "MIX@", "IND", "IND two-sided")
MEASURES = ("precision_at_10", "cosine_gap")


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 9 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, data_set="blocks", **common.PAPER_CONFIG)
    panels = common.blocks_panels(runs, NUMBERS_OF_BLOCKS, MEASURES, METHODS, optional=("MIX@",))
    return common.draw_figure(panels, x, "Figure 9", "One-sided vs two-sided training, blocks (d=50, b=64)",
                              f"blocks runs with B in {NUMBERS_OF_BLOCKS} of methods {METHODS} with "
                              f"{common.PAPER_CONFIG}", output_dir, f"fig9_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
