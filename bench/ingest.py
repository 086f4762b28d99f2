"""Ingest throughput: our ``dicom_import`` against a plain pydicom read + write of the same files.

Ours validates every file, groups by patient, blinds (keyed-HMAC UIDs, PHI removal, neutral
series labels), writes each instance atomically (temp file, fsync, rename), locates the pixel
data and indexes series and instances with their DICOM JSON metadata in the database. The
peer does only ``dcmread`` + ``save_as`` into another folder: the floor any pydicom-based
ingest pays. The ratio ours/peer is the cost of blinding and indexing.

    .venv/bin/python bench/ingest.py [--studies 6] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _setup  # noqa: E402


def run_ours(env: _setup.BenchEnv, studies: list, files: int) -> float:
    """One import of every phantom study into a fresh database; returns seconds."""
    from django.contrib.auth import get_user_model

    from readerstudy.audit.services import Actor
    from readerstudy.imaging.services import dicom_import
    from readerstudy.studies import services

    env.fresh_database()
    user = get_user_model().objects.create_user("bench_coordinator", password="x")
    actor = Actor(user=user)
    study = services.study_create(actor=actor, slug="bench", name="Bench")
    paths = [s.dicom_dir for s in studies]
    start = time.perf_counter()
    report = dicom_import(actor=actor, study=study, paths=paths)
    seconds = time.perf_counter() - start
    if report.rejected or report.instances_added != files:
        raise RuntimeError(
            f"import added {report.instances_added} of {files} instances; "
            f"rejected: {report.rejected[:3]}"
        )
    return seconds


def run_peer(files: list[Path], source_root: Path, out_dir: Path) -> float:
    """pydicom ``dcmread`` + ``save_as`` of every file into ``out_dir``; returns seconds."""
    from pydicom import dcmread

    shutil.rmtree(out_dir, ignore_errors=True)
    targets = [out_dir / path.relative_to(source_root) for path in files]
    for parent in {target.parent for target in targets}:
        parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for path, target in zip(files, targets, strict=True):
        dcmread(path).save_as(target)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=6, help="phantom studies (default 6)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions, best kept")
    args = parser.parse_args()
    _setup.install_signal_handlers()

    with _setup.django_env() as env:
        phantom_dir = env.root / "phantom"
        studies = _setup.generate_phantom(args.studies, args.seed, phantom_dir)
        files = _setup.phantom_files(studies)
        n = len(files)
        mb = sum(path.stat().st_size for path in files) / 1e6
        print(f"input: {n} instances, {mb:.1f} MB\n")

        ours, peer = [], []
        for rep in range(args.repeat):
            # Alternate so that neither side always runs on a warmer machine.
            peer.append(run_peer(files, phantom_dir, env.root / "peer"))
            ours.append(run_ours(env, studies, n))
            print(f"  repetition {rep + 1}: ours {ours[-1]:.2f} s, pydicom {peer[-1]:.2f} s")

        best_ours, best_peer = min(ours), min(peer)
        print()
        print(f"{'ingest':<34} {'instances':>9} {'seconds':>8} {'inst/s':>8} {'MB/s':>7}")
        for name, seconds in (
            ("ours: dicom_import (fresh DB)", best_ours),
            ("peer: pydicom dcmread + save_as", best_peer),
        ):
            print(f"{name:<34} {n:>9} {seconds:>8.2f} {n / seconds:>8.1f} {mb / seconds:>7.1f}")
        print(
            f"\nratio ours/peer (time): {best_ours / best_peer:.2f}x slower; "
            f"throughput {best_peer / best_ours:.2f} of pydicom's "
            f"(best of {args.repeat} each; ours on a fresh database every repetition)"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; temporary files and servers were cleaned up", file=sys.stderr)
        sys.exit(130)
