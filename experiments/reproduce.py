"""Regenerate Tables 1-2 and Figures 2-10 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

The paper below means that article.

  python -m experiments.reproduce --target=table1 --scale=paper --output_dir=results/paper
  python -m experiments.reproduce --target=all --scale=small --output_dir=results/small

It trains the runs of the target that are not complete yet under
<output_dir>/runs (an interrupted reproduction resumes where it stopped),
then writes the tables (CSV and Markdown) and figures (PNG and PDF) from the
metrics files alone, and a results page <output_dir>/RESULTS.md with the
command, the hardware, the wall time and the departures from the paper.
Real data sets are read from --data_dir (default: $COORD_W2V_DATA_DIR, else
../shared/data).
"""

import importlib
import os
import platform
import sys
import time

from absl import app, flags, logging

from experiments import definitions, results_page

FLAGS = flags.FLAGS

flags.DEFINE_enum("target", "table1", ("all", "fig2") + definitions.TARGETS,
                  "Table or figure to regenerate; 'all' regenerates every one.")
flags.DEFINE_enum("scale", "small", definitions.SCALES,
                  "'paper': the paper's sizes; 'small': the same shapes sized for minutes on 2 CPU cores.")
flags.DEFINE_string("output_dir", None, "Folder of the runs, tables, figures and RESULTS.md.")
flags.DEFINE_string("data_dir", os.environ.get("COORD_W2V_DATA_DIR", os.path.join("..", "shared", "data")),
                    "Folder with ml-1m/ or ml-100k/ and amazon-toys-deepcf/ (see the README).")
flags.DEFINE_integer("processes", 1, "Training runs in parallel, each in its own process.", lower_bound=1)
flags.DEFINE_integer("num_resamples", 1000, "Bootstrap resamples of the gain intervals.", lower_bound=10)
flags.DEFINE_integer("num_splits", None, "Overrides the scale's number of random splits (blocks matrix draws).",
                     lower_bound=1)
flags.DEFINE_integer("runs_per_split", None, "Overrides the scale's runs per split.", lower_bound=1)
flags.DEFINE_bool("skip_training", False, "Only rebuild tables, figures and RESULTS.md from existing metrics.")
flags.mark_flag_as_required("output_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    targets = list(definitions.TARGETS) + ["fig2"] if FLAGS.target == "all" else [FLAGS.target]
    run_targets = [target for target in targets if target != "fig2"]
    started = time.perf_counter()
    runs_dir = os.path.join(FLAGS.output_dir, "runs")
    try:
        specs = definitions.all_runs(run_targets, FLAGS.scale, FLAGS.data_dir, FLAGS.num_splits,
                                     FLAGS.runs_per_split)
    except (OSError, ValueError) as error:
        sys.exit(f"experiments.reproduce: error: {error}")
    summary = {"total": len(specs), "skipped": len(specs), "ran": 0}
    if not FLAGS.skip_training and specs:
        runner = importlib.import_module("experiments.runner")
        summary = runner.run_all(specs, runs_dir, processes=FLAGS.processes, progress=print)
    training_seconds = time.perf_counter() - started

    command = " ".join(["python -m experiments.reproduce"] + [arg for arg in sys.argv[1:]])
    page = results_page.build_outputs(
        targets=targets, scale=FLAGS.scale, output_dir=FLAGS.output_dir, runs_dir=runs_dir, command=command,
        training_seconds=training_seconds, run_summary=summary, num_resamples=FLAGS.num_resamples,
        hardware=f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}")
    logging.info("Wrote %s", page)
    print(f"results page: {page}")


if __name__ == "__main__":
    app.run(main)
