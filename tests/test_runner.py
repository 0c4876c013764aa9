"""The experiment runner: runs what is missing and resumes after an interruption."""

import dataclasses
import os

from coord_w2v import metrics_io
from coord_w2v.config import DataConfig, TrainConfig
from experiments import definitions, runner


def tiny_specs():
    data = DataConfig(dataset="blocks", blocks_n=200, blocks_num_blocks=4, blocks_interactions=20_000)
    train = TrainConfig(num_positives=12_800, eval_every=6400, eval_pairs=500, eval_entities=50, setting="tiny")
    return [definitions.RunSpec("tiny", data, dataclasses.replace(train, arrangement=arrangement, seed=seed))
            for arrangement in ("ind", "coo") for seed in (0, 1)]


def test_runner_skips_complete_runs(tmp_path):
    specs = tiny_specs()
    lines = []
    first = runner.run_all(specs, str(tmp_path), progress=lines.append)
    assert first == {"total": 4, "skipped": 0, "ran": 4}
    assert "[4/4]" in lines[-1]
    for spec in specs:
        assert runner.is_complete(tmp_path / spec.folder)

    second = runner.run_all(specs, str(tmp_path), progress=lines.append)
    assert second == {"total": 4, "skipped": 4, "ran": 0}


def test_runner_redoes_incomplete_run(tmp_path):
    specs = tiny_specs()
    runner.run_all(specs, str(tmp_path), progress=lambda line: None)
    # Simulate an interruption: drop the final record of one run.
    metrics = tmp_path / specs[1].folder / metrics_io.METRICS_FILE
    lines = metrics.read_text().splitlines()
    metrics.write_text("\n".join(lines[:-1]) + "\n")
    assert not runner.is_complete(tmp_path / specs[1].folder)

    result = runner.run_all(specs, str(tmp_path), progress=lambda line: None)
    assert result == {"total": 4, "skipped": 3, "ran": 1}
    records = metrics_io.read_records(metrics)
    assert records[-1]["final"] is True
    assert [record["positives"] for record in records] == [0, 6400, 12800]


def test_run_folders_are_distinct():
    specs = tiny_specs()
    assert len({spec.folder for spec in specs}) == len(specs)
    assert specs[0].folder == os.path.join("tiny", "IND", "split0_seed0")


def test_shared_runs_are_listed_once():
    table1 = definitions.target_runs("table1", "small")
    fig3 = definitions.target_runs("fig3", "small")
    union = definitions.all_runs(["table1", "fig3"], "small")
    # fig3 adds COO+OPTLSH to table1's IND and COO runs.
    assert {spec.folder for spec in table1} <= {spec.folder for spec in fig3}
    assert len(union) == len(fig3)
