"""Figure 3: cosine gap (top) and precision@10 (bottom) during training on blocks, B = 10, 20, 50, 100.

It reproduces Figure 3 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Curves: COO, IND and COO+OPTLSH on stochastic blocks runs with d = 50, b = 64,
lambda = 10, eta = 0.02. Regenerate with

  python -m plots.fig3 --runs_dir=runs --output_dir=figures

which writes fig3_parameter_updates.{png,pdf} and fig3_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

NUMBERS_OF_BLOCKS = (10, 20, 50, 100)
METHODS = ("COO", "IND", "COO+OPTLSH")
MEASURES = ("cosine_gap", "precision_at_10")


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 3 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, data_set="blocks", **common.PAPER_CONFIG)
    panels = common.blocks_panels(runs, NUMBERS_OF_BLOCKS, MEASURES, METHODS)
    return common.draw_figure(panels, x, "Figure 3", "Stochastic blocks (d=50, b=64, eta=0.02)",
                              f"blocks runs with B in {NUMBERS_OF_BLOCKS} of methods {METHODS} with "
                              f"{common.PAPER_CONFIG}", output_dir, f"fig3_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
