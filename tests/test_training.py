"""End-to-end training runs on small blocks data, outputs and determinism."""

import json

import numpy as np
import pytest

from coord_w2v import metrics_io
from coord_w2v.arrangement_dump import dump_arrangement
from coord_w2v.config import DataConfig, TrainConfig
from coord_w2v.datasets import prepare_data
from coord_w2v.training import train_and_evaluate

# 400 x 400 with 4 blocks of 100: about 200 interactions per row, small enough
# for a run of 400k positives in a few seconds.
SMALL_BLOCKS = DataConfig(dataset="blocks", blocks_n=400, blocks_num_blocks=4, blocks_interactions=80_000)


def small_config(**overrides):
    values = dict(num_positives=400_000, eval_every=100_000, eval_pairs=2000, eval_entities=200, seed=1)
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def prepared():
    return prepare_data(SMALL_BLOCKS, small_config())


@pytest.mark.parametrize("arrangement,two_sided", [("ind", False), ("coo", False), ("ind", True)])
def test_cosine_gap_rises(prepared, arrangement, two_sided):
    result = train_and_evaluate(SMALL_BLOCKS, small_config(arrangement=arrangement, two_sided=two_sided),
                                prepared=prepared)
    gaps = [record["cosine_gap"] for record in result.records]
    # Before training the context vectors are zero, so every cosine is 0.
    assert gaps[0] == 0.0
    # Calibrated on seeds 0-4: after 400k positives (1000 per row) the gap is
    # above 0.6 for every arrangement; 0.3 leaves a wide margin.
    assert gaps[-1] > 0.3
    assert result.records[-1]["precision_at_10"] > 0.8


def test_run_writes_outputs(tmp_path, prepared):
    config = small_config(num_positives=51_200, eval_every=25_600)
    result = train_and_evaluate(SMALL_BLOCKS, config, output_dir=str(tmp_path), prepared=prepared)

    saved = json.loads((tmp_path / metrics_io.CONFIG_FILE).read_text())
    assert saved["train"]["num_positives"] == 51_200
    assert saved["data"]["dataset"] == "blocks"

    records = metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)
    assert [record["positives"] for record in records] == [0, 25_600, 51_200]
    for record in records:
        for field in metrics_io.RECORD_FIELDS:
            assert field in record
        assert record["parameter_updates"] == record["positives"] * 10 * 50
        assert np.isfinite(record["cosine_gap"])
    assert records == json.loads(json.dumps(result.records))

    embeddings = np.load(tmp_path / metrics_io.EMBEDDINGS_FILE)
    assert embeddings["focus"].shape == (400, 50)
    assert embeddings["context"].shape == (400, 50)
    assert embeddings["bias"].shape == (400,)
    np.testing.assert_array_equal(embeddings["focus_ids"], np.arange(400))
    assert list((tmp_path / metrics_io.TENSORBOARD_DIR).iterdir())


def test_existing_run_is_not_overwritten(tmp_path, prepared):
    config = small_config(num_positives=12_800, eval_every=12_800)
    train_and_evaluate(SMALL_BLOCKS, config, output_dir=str(tmp_path), prepared=prepared)
    before = (tmp_path / metrics_io.METRICS_FILE).read_text()
    with pytest.raises(FileExistsError, match="--overwrite"):
        train_and_evaluate(SMALL_BLOCKS, config, output_dir=str(tmp_path), prepared=prepared)
    assert (tmp_path / metrics_io.METRICS_FILE).read_text() == before


def test_eval_points_round_up_to_pairs(prepared):
    # 2 * b = 128 positives per pair of minibatches: 1000 rounds up to 1024.
    result = train_and_evaluate(SMALL_BLOCKS, small_config(num_positives=3000, eval_every=1000), prepared=prepared)
    assert [record["positives"] for record in result.records] == [0, 1024, 2048, 3072]


@pytest.mark.parametrize("arrangement", ["ind", "coo"])
def test_same_seed_gives_identical_embeddings(prepared, arrangement):
    config = small_config(arrangement=arrangement, num_positives=64_000, eval_every=64_000)
    first = train_and_evaluate(SMALL_BLOCKS, config, prepared=prepared).model
    second = train_and_evaluate(SMALL_BLOCKS, config, prepared=prepared).model
    np.testing.assert_array_equal(first.focus.numpy(), second.focus.numpy())
    np.testing.assert_array_equal(first.context.numpy(), second.context.numpy())
    np.testing.assert_array_equal(first.bias.numpy(), second.bias.numpy())

    other = train_and_evaluate(SMALL_BLOCKS, small_config(arrangement=arrangement, num_positives=64_000,
                                                          eval_every=64_000, seed=2), prepared=prepared).model
    assert not np.array_equal(first.focus.numpy(), other.focus.numpy())


@pytest.mark.parametrize("arrangement", ["ind", "coo"])
def test_arrangement_dump(tmp_path, prepared, arrangement):
    config = small_config(arrangement=arrangement, num_positives=12_800, batch_size=64, neg_ratio=10)
    arrays = dump_arrangement(prepared.train, config, tmp_path / "dump.npz")
    loaded = np.load(tmp_path / "dump.npz")
    assert set(loaded.files) == set(arrays)
    # 12800 positives = 100 pairs of minibatches = 200 minibatches of 64.
    assert loaded["focus"].shape == (12_800,)
    assert loaded["negatives"].shape == (200, 10)
    np.testing.assert_array_equal(np.bincount(loaded["minibatch"]), np.full(200, 64))
    np.testing.assert_array_equal(loaded["designation"][:128], np.repeat([0, 1], 64))
    # Every dumped positive is a nonzero of the training matrix.
    kappa = prepared.train.kappa
    assert np.all(np.asarray(kappa[loaded["focus"], loaded["context"]]).ravel() > 0)
    assert loaded["kappa_weight"].sum() == pytest.approx(prepared.train.total)
    if arrangement == "coo":
        # A focus-designated COO microbatch shares one context.
        focus_rows = loaded["designation"] == 0
        contexts = loaded["context"][focus_rows]
        microbatches = loaded["microbatch"][focus_rows]
        for microbatch in np.unique(microbatches)[:20]:
            assert len(np.unique(contexts[microbatches == microbatch])) == 1
    # Bias-only negatives exist for focus minibatches only.
    assert np.all(loaded["bias_negatives"][1::2] == -1)
    assert np.all(loaded["bias_negatives"][0::2] >= 0)


def test_precision_k_names_the_field():
    config = small_config(num_positives=12_800, eval_every=12_800, precision_k=5)
    result = train_and_evaluate(SMALL_BLOCKS, config)
    assert "precision_at_5" in result.records[-1]
    assert "precision_at_10" not in result.records[-1]


def test_overwrite_replaces_tensorboard_events(tmp_path, prepared):
    config = small_config(num_positives=12_800, eval_every=12_800)
    train_and_evaluate(SMALL_BLOCKS, config, output_dir=str(tmp_path), prepared=prepared)
    train_and_evaluate(SMALL_BLOCKS, config, output_dir=str(tmp_path), overwrite=True, prepared=prepared)
    events = list((tmp_path / metrics_io.TENSORBOARD_DIR).iterdir())
    assert len(events) == 1
    assert len(metrics_io.read_records(tmp_path / metrics_io.METRICS_FILE)) == 2
