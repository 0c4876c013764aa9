"""Build the tables, figures and RESULTS.md of a reproduction from its metrics files.

The paper is Buchnik, Cohen, Hassidim and Matias, "Self-similar Epochs: Value
in Arrangement", ICML 2019.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pathlib
from typing import Sequence

from absl import logging

from coord_w2v import results
from experiments import tables

# Where the reproduction departs from the paper, listed on every results page.
DEPARTURES = (
    "Amazon Fine Foods is not available here. The Amazon rows use Amazon Toys and Games ratings "
    "(amazon-toys-deepcf, train and test files, 79k positives with rating >= 3) in its place, so the paper's "
    "Amazon numbers beside them are for another data set.",
    "MovieLens 1M is the reassembled file in which the rating of 199,435 rows of users 3000 and above is only "
    "known to lie in 1-3. With the threshold of 3 those rows are dropped, so some true positives are missing. "
    "At small scale, and where that file is absent, MovieLens 100K is used, and the MovieLens rows then refer "
    "to 100K. The data sets actually used are listed below.",
    "Minibatches hold exactly b positives (microbatches are packed or split), and designations alternate "
    "minibatch by minibatch.",
    "The paper averages 5 splits x 10 runs. Table 1 at paper scale uses 5 splits x 2 runs (10 runs per setting) "
    "to fit in 2 hours on 2 CPU cores. The small scale uses 1 split x 2 runs on smaller matrices.",
    "At small scale the recommendation runs are short (1.2M positives): the Amazon substitute does not reach "
    "its peak there, so its small-scale gains say little.",
    "Gains are computed on mean curves over runs, with 95% percentile bootstrap intervals over runs.",
    "MIX switch points: 250k positives for MovieLens as in the paper; 640k for the Amazon substitute, the "
    "paper's 4.5M scaled by the ratio of positives.",
)


def build_outputs(targets: Sequence[str], scale: str, output_dir: str, runs_dir: str, command: str,
                  training_seconds: float, run_summary: dict[str, int], num_resamples: int,
                  hardware: str) -> pathlib.Path:
    """Write the tables and figures of `targets` and the results page.

    Args:
      targets: table and figure names (see definitions.TARGETS, plus "fig2").
      scale: the scale the runs were made at.
      output_dir: folder that receives tables/, figures/ and RESULTS.md.
      runs_dir: folder of the run folders.
      command: the command line that produced the outputs.
      training_seconds: wall time of the training part.
      run_summary: counts of runs from the runner.
      num_resamples: bootstrap resamples of the gain intervals.
      hardware: a description of the machine.

    Returns:
      The path of RESULTS.md.
    """
    output = pathlib.Path(output_dir)
    tables_dir = output / "tables"
    figures_dir = output / "figures"
    run_targets = [target for target in targets if target != "fig2"]
    frame = results.load_runs(runs_dir) if run_targets and os.path.isdir(runs_dir) else None

    sections = []
    for target in targets:
        if target.startswith("table"):
            table = getattr(tables, f"make_{target}")(frame, num_resamples=num_resamples)
            tables.write_table(table, tables_dir, target, tables.TITLES[target])
            markdown = (tables_dir / f"{target}.md").read_text()
            sections.append(f"## {tables.TITLES[target]}\n\nFiles: `tables/{target}.csv`, "
                            f"`tables/{target}.md`.\n\n{markdown}\n")
            continue
        module = importlib.import_module(f"plots.{target}")
        if target == "fig2":
            paths = module.make_figure(figures_dir)
        else:
            paths = []
            for x in ("parameter_updates", "positives"):
                try:
                    paths += module.make_figure(frame, figures_dir, x)
                except ValueError as error:
                    logging.warning("Figure %s on %s not drawn: %s", target, x, error)
        links = "\n".join(f"- `{path.relative_to(output)}`" for path in map(pathlib.Path, paths)
                          if path.suffix == ".png")
        sections.append(f"## Figure {target[3:]}\n\n{links or 'No data for this figure.'}\n")

    data_used = []
    run_minutes = 0.0
    num_runs = 0
    if frame is not None and not frame.empty:
        data_used = sorted(set(frame["data_name"].dropna().astype(str)))
        finals = frame[frame["final"] == True]  # noqa: E712 (a column of booleans)
        run_minutes = float(finals["elapsed_seconds"].sum()) / 60
        num_runs = len(finals)

    page = output / "RESULTS.md"
    lines = [
        f"# Reproduction results ({scale} scale)",
        "",
        f"Made on {datetime.date.today().isoformat()} with:",
        "",
        f"    {command}",
        "",
        f"Hardware: {hardware}. Training wall time: {training_seconds / 60:.1f} min for "
        f"{run_summary['ran']} runs ({run_summary['skipped']} of {run_summary['total']} were already complete). "
        f"The {num_runs} runs behind this page took {run_minutes:.1f} min together, by their metrics "
        "(elapsed_seconds, data loading included).",
        "",
        "## Departures from the paper",
        "",
        *[f"- {item}" for item in DEPARTURES],
        "",
        "## Data used",
        "",
        *([f"- {name}" for name in data_used] or ["- none (only the Monte Carlo of Figure 2)"]),
        "",
        *sections,
    ]
    page.write_text("\n".join(lines) + "\n")
    return page

