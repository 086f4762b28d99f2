"""TorchScript parity and a 1-epoch smoke retrain."""

from __future__ import annotations

from inference.export import parity, trace
from inference.registry import DEFAULT_DIR, WEIGHTS_FILE, load_networks, load_reader, sha256_of
from inference.train import TrainConfig, train


def test_torchscript_export_matches_eager_logits():
    networks, _ = load_networks(DEFAULT_DIR / WEIGHTS_FILE)
    deltas = parity(networks, trace(networks))
    assert max(deltas.values()) < 1e-4, deltas


def test_a_one_epoch_smoke_retrain_writes_loadable_weights(tmp_path):
    # Small enough to take well under a minute on 2 cores; speed itself is measured by
    # `python -m inference.train` (the model card records its wall time), never asserted here.
    config = TrainConfig(
        studies=4,
        seed=31,
        localiser_epochs=1,
        classifier_epochs=1,
        calibration_studies=2,
        test_studies=1,
        workers=1,
    )
    card = train(config, tmp_path, log=lambda *_: None)
    assert card["sha256"] == sha256_of(tmp_path / WEIGHTS_FILE)
    reader = load_reader(tmp_path)
    assert reader.info.weights_sha256 == card["sha256"]
    assert set(card["metrics"]) == {"internal", "external"}
