"""Figure 5: training on T selected examples per row and per column, IND vs COO selection, on blocks.

It reproduces Figure 5 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Runs: blocks runs with example selection (--select=ind or coo, method names
"IND selection T=<T>" and "COO selection T=<T>"), trained with IND
arrangements; the paper uses b = 4. One column per (T, B) present, plus the
paper's panels (T=5, B=10), (T=5, B=100), (T=20, B=10) and (T=20, B=100) when
absent; rows: cosine gap and precision@10. Regenerate with

  python -m plots.fig5 --runs_dir=runs --output_dir=figures

which writes fig5_parameter_updates.{png,pdf} and fig5_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

PAPER_PANELS = ((5, 10), (5, 100), (20, 10), (20, 100))  # (T, B)
MEASURES = ("cosine_gap", "precision_at_10")


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 5 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = frame[(frame["data_set"] == "blocks") & frame["select"].isin(["ind", "coo"])] if not frame.empty else frame
    runs = common.select_runs(runs)
    present = set()
    for per_entity, number in runs[["select_per_entity", "num_blocks"]].dropna().drop_duplicates().itertuples(
            index=False):
        present.add((int(per_entity), int(number)))

    panels = []
    for measure in MEASURES:
        row = []
        for per_entity, number in sorted(present | set(PAPER_PANELS)):
            methods = (f"IND selection T={per_entity}", f"COO selection T={per_entity}")
            title = common.panel_title(f"T={per_entity}, B={number}", measure)
            row.append(common.method_panel(common.blocks_runs(runs, number), title, measure, methods))
        panels.append(row)
    return common.draw_figure(panels, x, "Figure 5", "Training on selected examples, blocks",
                              "blocks runs with --select=ind or --select=coo", output_dir, f"fig5_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
