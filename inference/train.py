"""Train the default reader on phantom studies: ``python -m inference.train``.

Seeds: training uses phantom seed ``S`` studies ``0 .. n-1``, calibration studies
``n .. n+c-1`` of the same seed (a separate split), and the model card's internal and
external test sets are fresh studies of seed ``S + 1``. Evaluate other seeds with
``python -m inference.evaluate``. Deterministic on CPU: the same seed on the same machine
gives the same weights SHA-256.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from .calibration import brier, ece, fit_temperature, reliability_bins, softmax
from .data import build_examples, iter_studies, requests
from .fit import train_classifier, train_localiser
from .metrics import evaluate_results
from .pipeline import ReaderInfo, TwoStageReader, build_networks
from .registry import (
    CARD_FILE,
    DEFAULT_DIR,
    MODEL_NAME,
    MODEL_VERSION,
    WEIGHTS_FILE,
    configure_determinism,
    save_weights,
)
from .types import LEVELS, REGIONS


@dataclass
class TrainConfig:
    """Everything that defines a training run (recorded in the model card)."""

    studies: int = 360
    seed: int = 0
    difficulty: float = 0.5
    localiser_epochs: int = 10
    classifier_epochs: int = 12
    #: The sagittal localiser sees one input per study, and its disc heights decide which
    #: axial slice is read (slices are 4 mm apart): it gets more epochs, cheaply.
    sagittal_epochs: int = 40
    foramen_localiser_epochs: int = 20
    calibration_studies: int = 60
    test_studies: int = 50
    workers: int = 2
    threads: int = 2


def _predict_with_truth(reader: TwoStageReader, reqs, workers: int):
    results = []
    for study, truth in iter_studies(reqs, workers):
        results.append((reader.predict(study), truth))
    return results


def calibrate(reader: TwoStageReader, reqs, workers: int) -> tuple[dict, dict]:
    """Fit one temperature per region on a calibration split; report ECE and Brier."""
    reader.temperatures = dict.fromkeys(REGIONS, 1.0)
    results = _predict_with_truth(reader, reqs, workers)
    temperatures, report = {}, {}
    for region in REGIONS:
        logp, labels = [], []
        for output, truth in results:
            for p in output.predictions:
                if p.region == region and p.probabilities is not None:
                    logp.append(np.log(np.clip(p.probabilities, 1e-12, None)))
                    labels.append(truth[p.site][0])
        # log-probabilities differ from logits by a per-row constant: same softmax at any T.
        logp, labels = np.array(logp), np.array(labels)
        t = fit_temperature(logp, labels)
        before, after = softmax(logp), softmax(logp, t)
        temperatures[region] = t
        report[region] = {
            "temperature": t,
            "sites": int(labels.size),
            "ece_before": ece(before, labels),
            "ece_after": ece(after, labels),
            "brier_before": brier(before, labels),
            "brier_after": brier(after, labels),
            "reliability_bins": reliability_bins(after, labels),
        }
    reader.temperatures = temperatures
    return temperatures, report


def train(config: TrainConfig, out: Path, log=print) -> dict:
    """Train, calibrate, evaluate and write the weights record; return the model card."""
    t_start = time.perf_counter()
    configure_determinism(config.threads)
    torch.manual_seed(config.seed)
    n, seed = config.studies, config.seed
    train_reqs = requests(seed, n, difficulty=config.difficulty)
    log(f"rendering {n} training studies (seed {seed}) ...")
    data = build_examples(train_reqs, config.workers)
    log(f"  done in {time.perf_counter() - t_start:.0f} s")

    networks = build_networks()
    le, ce = config.localiser_epochs, config.classifier_epochs
    train_localiser(
        networks["sagittal"],
        data["sag_x"],
        data["sag_y"],
        None,
        epochs=config.sagittal_epochs,
        seed=seed + 1,
        batch=16,
        log=log,
        name="sagittal",
    )
    train_localiser(
        networks["axial"],
        data["ax_x"],
        data["ax_y"],
        data["ax_off"],
        epochs=le,
        seed=seed + 2,
        log=log,
        name="axial",
    )
    train_localiser(
        networks["foramen_localiser"],
        data["for_x"],
        data["for_y"],
        data["for_off"],
        epochs=config.foramen_localiser_epochs,
        seed=seed + 3,
        batch=16,
        log=log,
        name="foramen localiser",
    )
    for k, region in enumerate(REGIONS):
        x, y = data[f"crop_{region}_x"], data[f"crop_{region}_y"]
        train_classifier(networks[region], x, y, epochs=ce, seed=seed + 4 + k, log=log, name=region)
    del data
    t_trained = time.perf_counter()

    reader = TwoStageReader(
        networks, dict.fromkeys(REGIONS, 1.0), ReaderInfo(MODEL_NAME, MODEL_VERSION, "")
    )
    cal_reqs = requests(seed, config.calibration_studies, first=n, difficulty=config.difficulty)
    log(f"calibrating on {len(cal_reqs)} studies ...")
    temperatures, calibration = calibrate(reader, cal_reqs, config.workers)
    log(f"  temperatures {temperatures}")

    metrics = {}
    for name, external in (("internal", False), ("external", True)):
        reqs = requests(
            seed + 1, config.test_studies, difficulty=config.difficulty, external=external
        )
        stats = evaluate_results(_predict_with_truth(reader, reqs, config.workers))
        metrics[name] = {"seed": seed + 1, "studies": len(reqs), "external": external,
                         "difficulty": config.difficulty, "regions": stats}  # fmt: skip
        log(f"  {name}: " + json.dumps({r: round(s["kappa_linear"], 3) for r, s in stats.items()}))

    out.mkdir(parents=True, exist_ok=True)
    sha = save_weights(networks, temperatures, out / WEIGHTS_FILE)
    card = model_card(config, sha, out / WEIGHTS_FILE, networks, temperatures, calibration, metrics)
    card["training_wall_seconds"] = round(time.perf_counter() - t_start, 1)
    card["training_seconds_networks"] = round(t_trained - t_start, 1)
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    log(f"wrote {out / WEIGHTS_FILE} sha256 {sha} in {card['training_wall_seconds']} s")
    return card


def model_card(config, sha, weights_path, networks, temperatures, calibration, metrics) -> dict:
    from fixtures.phantom import PHANTOM_VERSION

    n = config.studies
    return {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "weights_file": WEIGHTS_FILE,
        "sha256": sha,
        "weights_bytes": weights_path.stat().st_size,
        "parameters": int(sum(p.numel() for net in networks.values() for p in net.parameters())),
        "intended_use": "demonstration reader, not for clinical use",
        "licence": "same as the repository",
        "architecture": {
            "stage1": "HeatmapNet localisers: sagittal T2 discs, axial T2 canal+recesses, "
            "sagittal T1 foramina (5 slices per side); axial heatmaps span 3 slices and choose "
            "the disc mid-plane; soft-argmax decoding",
            "stage2": "CropClassifier per region on mm-defined 3-slice crops, right side mirrored",
            "levels": list(LEVELS),
        },
        "training_data": {
            "generator": "fixtures.phantom",
            "phantom_version": PHANTOM_VERSION,
            "difficulty": config.difficulty,
            "train": {"seed": config.seed, "indices": [0, n - 1]},
            "calibration": {
                "seed": config.seed,
                "indices": [n, n + config.calibration_studies - 1],
            },
            "test_seed": config.seed + 1,
        },
        "config": asdict(config),
        "torch": torch.__version__,
        "temperatures": temperatures,
        "calibration": calibration,
        "metrics": metrics,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m inference.train", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--studies", type=int, default=360)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--difficulty", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=None, help="epochs for every network")
    parser.add_argument("--calibration-studies", type=int, default=60)
    parser.add_argument("--test-studies", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    config = TrainConfig(
        studies=args.studies,
        seed=args.seed,
        difficulty=args.difficulty,
        calibration_studies=args.calibration_studies,
        test_studies=args.test_studies,
        workers=args.workers,
    )
    if args.epochs is not None:
        config.localiser_epochs = config.classifier_epochs = args.epochs
        config.sagittal_epochs = config.foramen_localiser_epochs = args.epochs
    train(config, args.out)


if __name__ == "__main__":
    main()
