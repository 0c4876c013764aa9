"""The command-line entry points, run as a user runs them."""

import json
import subprocess
import sys

import numpy as np
import pytest

from coord_w2v import metrics_io

SMALL_BLOCKS_FLAGS = ["--blocks_n=200", "--blocks_num_blocks=4", "--blocks_interactions=20000",
                      "--eval_pairs=500", "--eval_entities=100"]


def run_module(module, *args, check=True):
    completed = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600)
    if check and completed.returncode != 0:
        raise AssertionError(f"{module} exited with {completed.returncode}:\n{completed.stderr[-3000:]}")
    return completed


def test_train_help_lists_flags_with_units():
    completed = run_module("coord_w2v.train", "--helpfull", check=False)
    for flag in ("--dataset", "--data_path", "--arrangement", "--dim", "--neg_ratio", "--batch_size",
                 "--learning_rate", "--num_positives", "--eval_every", "--seed", "--output_dir", "--[no]two_sided",
                 "--[no]bias", "--blocks_n", "--blocks_num_blocks", "--blocks_interactions", "--blocks_in_prob"):
        assert flag in completed.stdout, flag
    # absl wraps help text, so compare with whitespace collapsed.
    assert "b: positives per minibatch" in " ".join(completed.stdout.split())


def test_train_writes_metrics(tmp_path):
    completed = run_module("coord_w2v.train", *SMALL_BLOCKS_FLAGS, "--arrangement=coo", "--num_positives=25600",
                           "--eval_every=12800", f"--output_dir={tmp_path}")
    assert "cosine gap" in completed.stdout
    records = metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)
    assert [record["positives"] for record in records] == [0, 12800, 25600]
    assert all(record["arrangement"] == "coo" for record in records)


@pytest.mark.parametrize("flag,fragment", [
    ("--blocks_num_blocks=7", "must divide blocks_n=200"),
    ("--two_sided", "two_sided=True needs arrangement='ind'"),
    ("--dataset=movielens", "data_path is required"),
    ("--arrangement=random", "--arrangement"),
    ("--dim=0", "--dim"),
])
def test_train_rejects_bad_flags(tmp_path, flag, fragment):
    completed = run_module("coord_w2v.train", *SMALL_BLOCKS_FLAGS, "--arrangement=coo", flag,
                           f"--output_dir={tmp_path}", check=False)
    assert completed.returncode != 0
    assert fragment in completed.stderr
    assert not (tmp_path / metrics_io.METRICS_FILE).exists()


def test_train_reports_missing_data_file(tmp_path):
    missing = tmp_path / "absent.dat"
    completed = run_module("coord_w2v.train", "--dataset=movielens", f"--data_path={missing}",
                           f"--output_dir={tmp_path / 'run'}", check=False)
    assert completed.returncode != 0
    assert str(missing) in completed.stderr


def test_arrange_writes_npz(tmp_path):
    output = tmp_path / "arrangement.npz"
    run_module("coord_w2v.arrange", *SMALL_BLOCKS_FLAGS[:3], "--arrangement=coo", "--num_positives=1280",
               f"--output={output}")
    loaded = np.load(output)
    assert loaded["focus"].shape == (1280,)
    assert loaded["negatives"].shape == (20, 10)


def test_train_on_movielens_100k(tmp_path, real_data_file):
    ratings = real_data_file("ml-100k/u.data")
    run_module("coord_w2v.train", "--dataset=movielens", f"--data_path={ratings}", "--arrangement=coo",
               "--num_positives=800000", "--eval_every=400000", f"--output_dir={tmp_path}")
    records = metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)
    assert len(records) == 3
    for record in records:
        assert np.isfinite(record["cosine_gap"])
        assert np.isfinite(record["precision_at_10"])
    assert records[-1]["cosine_gap"] > records[0]["cosine_gap"]
    config = json.loads((tmp_path / metrics_io.CONFIG_FILE).read_text())
    assert config["data"]["reweight"] == "sum"


NEW_ARRANGEMENTS = [
    ["--arrangement=coo_jaccard"],
    ["--arrangement=coo_jaccard", "--lsh_maps=2", "--jaccard_method=icws"],
    ["--arrangement=coo_angular", "--coarse_positives=12800"],
    ["--arrangement=mix", "--mix_switch=12800"],
    ["--arrangement=mix", "--mix_from=coo_jaccard", "--mix_to=coo_jaccard", "--mix_switch=12800"],
    ["--select=coo", "--select_per_entity=5"],
    ["--select=ind", "--select_per_entity=5"],
]


@pytest.mark.parametrize("flags", NEW_ARRANGEMENTS + [["--arrangement=coo_optlsh"]], ids=" ".join)
def test_new_arrangements_train_on_blocks(tmp_path, flags):
    run_module("coord_w2v.train", *SMALL_BLOCKS_FLAGS, *flags, "--num_positives=25600", "--eval_every=12800",
               f"--output_dir={tmp_path}")
    records = metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)
    assert [record["positives"] for record in records] == [0, 12800, 25600]
    assert all(np.isfinite(record["cosine_gap"]) for record in records)
    if "--arrangement=mix" in flags:
        assert records[-1]["mix_switch"] == 12800
        assert records[-1]["method"] == "MIX@12800"


@pytest.mark.parametrize("flags", NEW_ARRANGEMENTS, ids=" ".join)
def test_new_arrangements_train_on_movielens_100k(tmp_path, real_data_file, flags):
    ratings = real_data_file("ml-100k/u.data")
    run_module("coord_w2v.train", "--dataset=movielens", f"--data_path={ratings}", *flags,
               "--num_positives=25600", "--eval_every=12800", f"--output_dir={tmp_path}")
    records = metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)
    assert len(records) == 3
    assert all(np.isfinite(record["cosine_gap"]) for record in records)
    assert all(np.isfinite(record["precision_at_10"]) for record in records)


def test_optlsh_on_movielens_is_rejected(tmp_path, real_data_file):
    ratings = real_data_file("ml-100k/u.data")
    completed = run_module("coord_w2v.train", "--dataset=movielens", f"--data_path={ratings}",
                           "--arrangement=coo_optlsh", f"--output_dir={tmp_path}", check=False)
    assert completed.returncode != 0
    assert "block" in completed.stderr


@pytest.mark.parametrize("arrangement", ["coo_jaccard", "coo_optlsh", "mix"])
def test_arrange_dumps_new_arrangements(tmp_path, arrangement):
    output = tmp_path / "arrangement.npz"
    run_module("coord_w2v.arrange", *SMALL_BLOCKS_FLAGS[:3], f"--arrangement={arrangement}", "--mix_switch=640",
               "--num_positives=1280", f"--output={output}")
    loaded = np.load(output)
    assert loaded["focus"].shape == (1280,)
    if arrangement == "coo_optlsh":
        # Every focus microbatch of OPTLSH holds foci of one block (200 / 4 = 50 per block).
        focus_rows = loaded["designation"] == 0
        blocks = loaded["focus"][focus_rows] // 50
        microbatches = loaded["microbatch"][focus_rows]
        for microbatch in np.unique(microbatches):
            assert len(np.unique(blocks[microbatches == microbatch])) == 1


def test_arrange_small_pairs_file(tmp_path):
    # Three users with two items each: too few entries for precision@k, which arrange does not need.
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("u1\ta\nu1\tb\nu2\ta\nu2\tc\nu3\tb\nu3\tc\n")
    output = tmp_path / "arrangement.npz"
    run_module("coord_w2v.arrange", "--dataset=pairs", f"--data_path={pairs}", "--test_fraction=0.2",
               "--arrangement=coo", "--batch_size=2", "--num_positives=40", f"--output={output}")
    loaded = np.load(output)
    assert loaded["focus"].shape == (40,)


def test_arrange_rejects_two_sided_and_existing_output(tmp_path):
    output = tmp_path / "arrangement.npz"
    completed = run_module("coord_w2v.arrange", *SMALL_BLOCKS_FLAGS[:3], "--two_sided", f"--output={output}",
                           check=False)
    assert completed.returncode != 0
    assert "--two_sided" in completed.stderr
    output.write_text("earlier")
    completed = run_module("coord_w2v.arrange", *SMALL_BLOCKS_FLAGS[:3], f"--output={output}", check=False)
    assert completed.returncode != 0
    assert "--overwrite" in completed.stderr
    assert output.read_text() == "earlier"
