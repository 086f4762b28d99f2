"""Evaluate a reader on fresh phantom studies: ``python -m inference.evaluate``.

Prints, per region (canal, recess, foramen): detection recall, 4-grade accuracy,
linear-weighted κ, dichotomous (grade ≥ 2) Gwet AC1, sensitivity and specificity, all
computed with ``grading.agreement``. Use seeds the weights were not trained or
calibrated on (the model card lists them).
"""

from __future__ import annotations

import argparse
import json
import time

from .data import iter_studies, requests
from .metrics import TOLERANCE_MM, evaluate_results, format_table
from .registry import load_reader, read_card


def evaluate(
    *,
    studies: int,
    seed: int,
    external: bool = False,
    difficulty: float = 0.5,
    weights=None,
    workers: int = 2,
    batch_size: int = 8,
) -> dict:
    """Render ``studies`` fresh phantoms, read them and compare with the truth."""
    reader = load_reader(weights)
    reqs = requests(seed, studies, difficulty=difficulty, external=external)
    results, seconds = [], 0.0
    batch: list = []
    for study, truth in iter_studies(reqs, workers):
        batch.append((study, truth))
        if len(batch) == batch_size:
            seconds += _read(reader, batch, results)
            batch = []
    if batch:
        seconds += _read(reader, batch, results)
    return {
        "model": reader.info.name,
        "version": reader.info.version,
        "weights_sha256": reader.info.weights_sha256,
        "seed": seed,
        "studies": studies,
        "external": external,
        "difficulty": difficulty,
        "tolerance_mm": TOLERANCE_MM,
        "seconds_per_study": seconds / max(studies, 1),
        "regions": evaluate_results(results),
    }


def _read(reader, batch, results) -> float:
    t0 = time.perf_counter()
    outputs = [reader.predict(study) for study, _ in batch]
    elapsed = time.perf_counter() - t0
    results.extend((o, truth) for o, (_, truth) in zip(outputs, batch, strict=True))
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m inference.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--studies", type=int, default=50)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--external", action="store_true", help="the shifted external set")
    parser.add_argument("--difficulty", type=float, default=0.5)
    parser.add_argument("--weights", default=None, help="weights file or folder (default: shipped)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.weights is None:
        from .registry import DEFAULT_DIR

        used = read_card(DEFAULT_DIR)["training_data"]
        if args.seed in (used["train"]["seed"], used["test_seed"]):
            parser.error(f"seed {args.seed} was used to train or test the shipped weights")
    result = evaluate(
        studies=args.studies,
        seed=args.seed,
        external=args.external,
        difficulty=args.difficulty,
        weights=args.weights,
        workers=args.workers,
    )
    if args.json:
        print(json.dumps(result))
        return
    kind = "external" if args.external else "internal"
    print(f"{result['model']} {result['version']} sha256 {result['weights_sha256'][:12]}…")
    print(f"{kind} set: {args.studies} studies, seed {args.seed}, difficulty {args.difficulty}")
    print(format_table(result["regions"]))
    print(f"inference {result['seconds_per_study']:.3f} s/study (excluding rendering)")


if __name__ == "__main__":
    main()
