"""Figure 8: COO, IND and COO+OPTLSH with learning rate 0.01 on blocks, B = 10 and 100.

It reproduces Figure 8 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Rows: cosine gap and precision@10. Runs: stochastic blocks with d = 50,
b = 64, lambda = 10 and learning rate 0.01. Regenerate with

  python -m plots.fig8 --runs_dir=runs --output_dir=figures

which writes fig8_parameter_updates.{png,pdf} and fig8_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

NUMBERS_OF_BLOCKS = (10, 100)
METHODS = ("COO", "IND", "COO+OPTLSH")
MEASURES = ("cosine_gap", "precision_at_10")
CONFIG = dict(common.PAPER_CONFIG, learning_rate=0.01)


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 8 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, data_set="blocks", **CONFIG)
    panels = common.blocks_panels(runs, NUMBERS_OF_BLOCKS, MEASURES, METHODS)
    return common.draw_figure(panels, x, "Figure 8", "Stochastic blocks, eta=0.01 (d=50, b=64)",
                              f"blocks runs with B in {NUMBERS_OF_BLOCKS} of methods {METHODS} with {CONFIG}",
                              output_dir, f"fig8_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
