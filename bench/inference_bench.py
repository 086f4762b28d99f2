"""The DL reader's speed: studies/s on CPU (2 threads) and, where CUDA is present, on GPU.

Renders phantom studies in memory (``fixtures.phantom``; the same seed every run), converts
them to model inputs, and times the shipped model (``inference/weights``):

- **per study**, ``reader.predict(study)`` one at a time: what a model run does per case;
- **batched**, ``reader.predict_many(studies, batch_size)`` across studies (the peer: the
  same work with every network forward batched over several studies);
- **DICOM read**: ``study_input_from_dicom`` on the written files of the same studies, the
  part of a model job that is not the model.

    .venv/bin/python bench/inference_bench.py [--studies 16] [--batch 8] [--repeat 3]

Target (issue 5): ≤ 0.15 s per study on 2 CPU threads. Each figure is the best of
``--repeat``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=404, help="phantom seed (not a training one)")
    args = parser.parse_args()

    import torch

    from fixtures.phantom import generate_studies, render_study_arrays
    from inference import load_reader, study_input_from_dicom, study_input_from_phantom

    start = time.perf_counter()
    studies = [
        study_input_from_phantom(render_study_arrays(seed=args.seed, index=i))
        for i in range(args.studies)
    ]
    print(f"{args.studies} phantom studies rendered in {time.perf_counter() - start:.1f} s")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        reader = load_reader(device=device, threads=2)
        reader.predict_many(studies[:2], batch_size=2)  # warm-up: allocations, kernels
        one = best(lambda r=reader: [r.predict(s) for s in studies], args.repeat) / len(studies)
        many = best(lambda r=reader: r.predict_many(studies, args.batch), args.repeat) / len(
            studies
        )
        name = (
            torch.cuda.get_device_name(0)
            if device == "cuda"
            else f"CPU, {torch.get_num_threads()} threads"
        )
        print(f"\n{device} ({name}):")
        print(f"  per study, predict()        : {one:.4f} s/study ({1 / one:6.1f} studies/s)")
        print(
            f"  batched, predict_many({args.batch:>2})   : {many:.4f} s/study ({1 / many:6.1f} studies/s)"
        )
        print(f"  ratio batched/per-study speed: {one / many:.2f}x")
        if device == "cpu":
            verdict = "meets" if one <= 0.15 else "MISSES"
            print(f"  target <= 0.15 s/study on 2 CPU threads: {verdict}")
    with tempfile.TemporaryDirectory(prefix="readerstudy-inference-bench-") as tmp:
        written = generate_studies(n=min(args.studies, 4), seed=args.seed, out_dir=Path(tmp))
        read = best(lambda: [study_input_from_dicom(s.dicom_dir) for s in written], args.repeat)
        print(
            f"\nDICOM read (pydicom, {len(written)} studies of 53 files): {read / len(written):.4f} s/study"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
