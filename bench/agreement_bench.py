"""Agreement statistics: whole-process times of ``grading.agreement`` against targets and peers.

1. A Hallinan-sized study, 150 patients × 25 sites (subject = patient × site, cluster =
   patient), rated by a reference, a model and 5 readers in 2 sessions: 8 coefficients ×
   3 weightings (identity on the dichotomy grade ≥ 2, linear and quadratic on grades 0–3) ×
   31 rater pairs, each with its cluster SE, plus a 2000-replicate cluster bootstrap of
   AC2(model, reference) − AC2(reader, reference) for every reader and session. Target ≤ 2 s.
2. The same at 100× the patients (15,000). Target ≤ 60 s.
3. Against irrcac 0.4.4 (PyPI port of R irrCAC), installed only in a throwaway venv under
   ``bench/.cache/`` (never in the project's venv): (a) one CLI AC2 with SE on 375,000 subjects
   × 7 raters, goal ours ≥ 2× faster; (b) a 2000-replicate patient bootstrap at 150 patients,
   ours vectorised against a loop of irrcac over resampled data sets, goal ≥ 20×.
4. Against statsmodels and krippendorff, in process (``timeit``, best of 5): Cohen κ from a
   4 × 4 table, Fleiss κ from counts, Krippendorff α (interval, ordinal) on 18,000 × 2.

Every time in parts 1–3 is a whole process (``subprocess.run`` of a fresh interpreter, so start
and imports count), best of ``--repeat``. Data are simulated once with a fixed seed
(``bench/_agreement_data.py``) and written untimed to a temporary directory.

    .venv/bin/python bench/agreement_bench.py [--quick] [--skip-irrcac] [--parts 1,2,3a,3b,4]
        [--repeat 3] [--cap 180] [--irrcac-replicates 500] [--boot-weights linear] [--profile]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
IRRCAC_VENV = CACHE / "irrcac-venv"
IRRCAC_VERSION = "0.4.4"
CATEGORIES = (0, 1, 2, 3)
COEFFICIENTS = (
    "cohen",
    "scott",
    "gwet",
    "fleiss",
    "conger",
    "brennan_prediger",
    "percent",
    "krippendorff",
)
# (label, dichotomised?, weights)
WEIGHTINGS = (
    ("dichotomy/identity", True, "identity"),
    ("grades/linear", False, "linear"),
    ("grades/quadratic", False, "quadratic"),
)
TARGET_STUDY_S = 2.0
TARGET_100X_S = 60.0
GOAL_CLI = 2.0
GOAL_BOOT = 20.0
SEED = 20261127
BOOT_SEED = 7

_CHILD: subprocess.Popen | None = None  # the running child, killed on Ctrl-C / SIGTERM


# ---- the study (part 1 and 2): pairs, and the worker run in a fresh process --------------------


def study_pairs(raters: list[str]) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """31 pairs: (model, reference) once, then per session each reader against the reference
    and every reader pair. Returns the pairs and the readers of each session."""
    sessions: dict[str, list[str]] = {}
    for name in raters:
        if ".s" in name:
            sessions.setdefault(name.rsplit(".s", 1)[1], []).append(name)
    pairs = [("model", "reference")]
    for readers in sessions.values():
        pairs += [(reader, "reference") for reader in readers]
        pairs += list(itertools.combinations(readers, 2))
    return pairs, sessions


def worker_study(args) -> None:
    """Part 1/2 workload; prints progress lines and one ``result`` JSON line."""
    start = time.perf_counter()
    import numpy as np

    from bench._agreement_data import dichotomy
    from grading.agreement import api
    from grading.agreement.data import Ratings

    imported = time.perf_counter()
    data = np.load(args.data)
    matrix, clusters = data["matrix"], data["clusters"]
    raters = [str(r) for r in data["raters"]]
    n = len(matrix)
    common = {
        "subjects": tuple(range(n)),
        "raters": tuple(raters),
        "clusters": clusters,
        "cluster_labels": tuple(range(int(clusters.max()) + 1)),
    }
    grades = Ratings(kind="matrix", categories=CATEGORIES, matrix=matrix, **common)
    binary = Ratings(kind="matrix", categories=(0, 1), matrix=dichotomy(matrix), **common)
    pairs, sessions = study_pairs(raters)
    if args.pairs_limit:
        pairs = pairs[: args.pairs_limit]
    loaded = time.perf_counter()

    # Bootstrap differences first, so that a capped run has measured them in full.
    differences = []
    boot_weights = [w for w in args.boot_weights.split(",") if w]
    for weights in boot_weights:
        ratings = binary if weights == "identity" else grades
        for readers in sessions.values():
            for reader in readers[: args.readers_limit or None]:
                d = api.compare(
                    ratings,
                    coefficient="gwet",
                    weights=weights,
                    pair_a=("model", "reference"),
                    pair_b=(reader, "reference"),
                    variance="bootstrap",
                    bootstrap=args.replicates,
                    seed=args.seed,
                )
                low, high = d.confidence_interval(0.95)
                differences.append(
                    [weights, reader, d.difference, d.standard_error, float(low), float(high)]
                )
                print(f"progress boot {len(differences)} {time.perf_counter() - loaded:.3f}")
                sys.stdout.flush()
    booted = time.perf_counter()

    estimates = []
    for label, dichotomised, weights in WEIGHTINGS:
        ratings = binary if dichotomised else grades
        for a, b in pairs:
            sub = ratings.pair(a, b)
            for coefficient in COEFFICIENTS:
                r = api.estimate(sub, coefficient=coefficient, weights=weights, variance="cluster")
                estimates.append([label, a, b, coefficient, r.estimate, r.standard_error])
            print(f"progress est {len(estimates)} {time.perf_counter() - booted:.3f}")
            sys.stdout.flush()
    done = time.perf_counter()
    result = {
        "subjects": n,
        "patients": int(clusters.max()) + 1,
        "raters": len(raters),
        "pairs": len(pairs),
        "estimates": len(estimates),
        "differences": len(differences),
        "replicates": args.replicates,
        "seconds": {
            "import": imported - start,
            "load": loaded - imported,
            "bootstrap": booted - loaded,
            "estimates": done - booted,
        },
        "sample": [e for e in estimates if e[0] == "grades/linear" and e[3] == "gwet"][:6],
        "diffs": differences[:10],
        "checksum": float(np.nansum([e[4] + e[5] for e in estimates])),
    }
    print("result " + json.dumps(result))


def worker_boot(args) -> None:
    """Part 3b, ours: one vectorised 2000-replicate patient bootstrap of AC2 linear."""
    import numpy as np

    from grading.agreement.data import Ratings
    from grading.agreement.raw import raw_coefficient

    data = np.load(args.data)
    matrix, clusters = data["matrix"], data["clusters"]
    raters = tuple(str(r) for r in data["raters"])
    ratings = Ratings(
        kind="matrix",
        categories=CATEGORIES,
        matrix=matrix,
        subjects=tuple(range(len(matrix))),
        raters=raters,
        clusters=clusters,
        cluster_labels=tuple(range(int(clusters.max()) + 1)),
    )
    a, b = args.pair.split(",")
    result = raw_coefficient(
        ratings.pair(a, b),
        coefficient="gwet",
        weights="linear",
        variance="bootstrap",
        bootstrap=args.replicates,
        seed=args.seed,
    )
    np.save(args.out, result.replicates)
    print("result " + json.dumps({"estimate": result.estimate, "se": result.standard_error}))


# ---- the irrcac peer: scripts run by the throwaway venv's interpreter ------------------------

PEER_CLI = """\
import json, sys
import pandas as pd
from irrCAC.raw import CAC

frame = pd.read_csv(sys.argv[1], index_col="subject")
est = CAC(frame, weights="linear", categories=[0, 1, 2, 3], digits=15).gwet()["est"]
print("result " + json.dumps({"estimate": float(est["coefficient_value"]), "se": float(est["se"])}))
"""

PEER_BOOT = """\
import json, sys, time
import numpy as np
import pandas as pd
from irrCAC.raw import CAC

path, a, b, replicates, seed, out = sys.argv[1:7]
replicates, seed = int(replicates), int(seed)
frame = pd.read_csv(path)
codes, labels = pd.factorize(frame["patient"], sort=True)
order = np.argsort(codes, kind="stable")
bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
rows_of = [order[bounds[j] : bounds[j + 1]] for j in range(len(labels))]
ratings = frame[[a, b]]
units = len(labels)
estimate = CAC(ratings, weights="linear", categories=[0, 1, 2, 3], digits=15).gwet()
# The same resample counts as grading.agreement: C cluster indices drawn per replicate with
# default_rng(seed).integers(0, C, (B, C)), counted per row.
draws = np.random.default_rng(seed).integers(0, units, size=(replicates, units))
counts = np.stack([np.bincount(row, minlength=units) for row in draws])
start = time.perf_counter()
reps = np.empty(replicates)
for k in range(replicates):
    rows = np.concatenate([rows_of[j] for j in np.repeat(np.arange(units), counts[k])])
    sample = ratings.iloc[rows].reset_index(drop=True)
    cac = CAC(sample, weights="linear", categories=[0, 1, 2, 3], digits=15)
    reps[k] = cac.gwet()["est"]["coefficient_value"]
loop = time.perf_counter() - start
np.save(out, reps)
print("result " + json.dumps({
    "estimate": float(estimate["est"]["coefficient_value"]),
    "se": float(np.std(reps, ddof=1)),
    "loop": loop,
}))
"""


def irrcac_python() -> tuple[Path | None, str]:
    """The cached venv's interpreter with irrcac 0.4.4, creating it if needed; else a reason."""
    python = IRRCAC_VENV / "bin" / "python"
    check = [
        str(python),
        "-c",
        "import importlib.metadata as m, irrCAC.raw; print(m.version('irrcac'))",
    ]
    if python.exists():
        probe = subprocess.run(check, capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == IRRCAC_VERSION:
            return python, f"cached venv {_rel(IRRCAC_VENV)}"
        shutil.rmtree(IRRCAC_VENV, ignore_errors=True)
    base = shutil.which("python3.11")
    if base is None:
        return None, "python3.11 not found (irrcac pins scipy 1.12.0: needs Python ≤ 3.12)"
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"installing irrcac=={IRRCAC_VERSION} into {_rel(IRRCAC_VENV)} …")
    steps = [
        [base, "-m", "venv", str(IRRCAC_VENV)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--timeout",
            "30",
            "--retries",
            "2",
            f"irrcac=={IRRCAC_VERSION}",
        ],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            shutil.rmtree(IRRCAC_VENV, ignore_errors=True)
            return None, f"{' '.join(step[:4])} … timed out after 600 s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            shutil.rmtree(IRRCAC_VENV, ignore_errors=True)
            return None, f"{' '.join(step[:4])} … failed: " + " | ".join(tail)
    probe = subprocess.run(check, capture_output=True, text=True)
    if probe.returncode != 0:
        return None, "irrcac installed but does not import: " + probe.stderr.strip()[-200:]
    return python, f"installed {_rel(IRRCAC_VENV)}"


# ---- whole-process runs ------------------------------------------------------------------


class Run:
    """One finished child: wall seconds, exit code, output lines, and whether it was capped."""

    def __init__(self, seconds: float, code: int, out: str, err: str, capped: bool):
        self.seconds, self.code, self.out, self.err, self.capped = seconds, code, out, err, capped

    def result(self) -> dict:
        for line in reversed(self.out.splitlines()):
            if line.startswith("result "):
                return json.loads(line[7:])
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(
            f"no result (exit {self.code}): {self.err.strip()[-600:] or self.out[-600:]}"
        )

    def progress(self, phase: str) -> tuple[int, float]:
        rows = [line.split() for line in self.out.splitlines() if line.startswith("progress ")]
        rows = [r for r in rows if r[1] == phase]
        return (int(rows[-1][2]), float(rows[-1][3])) if rows else (0, 0.0)


def run_process(cmd: list, *, timeout: float | None = None) -> Run:
    """Run ``cmd`` in the repository root and time the whole process."""
    global _CHILD
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        _CHILD = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, cwd=ROOT)
        capped = False
        try:
            code = _CHILD.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _CHILD.kill()
            code = _CHILD.wait()
            capped = True
        finally:
            if _CHILD.poll() is None:
                _CHILD.kill()
                _CHILD.wait()
            _CHILD = None
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Run(seconds, code, out.read().decode(), err.read().decode(), capped)


def best_of(cmd: list, repeat: int) -> tuple[Run, list[float]]:
    runs = [run_process(cmd) for _ in range(repeat)]
    for run in runs:
        if run.code != 0:
            command = " ".join(map(str, cmd[:4]))
            raise RuntimeError(f"{command} … exit {run.code}: {run.err[-800:]}")
    return min(runs, key=lambda r: r.seconds), [r.seconds for r in runs]


def spread(times: list[float]) -> str:
    return f"{min(times):.2f}–{max(times):.2f}" if len(times) > 1 else f"{times[0]:.2f}"


def profile(cmd: list, tmp: Path, title: str) -> None:
    """Rerun ``cmd`` (a Python command) under cProfile and print where the time goes."""
    import pstats

    out = tmp / "profile.prof"
    python, rest = cmd[0], cmd[1:]
    run = run_process([python, "-m", "cProfile", "-o", out, *rest])
    if run.code != 0 or not out.exists():
        print(f"  (profile of {title} failed: {run.err.strip()[-300:]})")
        return
    print_profile(pstats.Stats(str(out)), f"{title}, wall {run.seconds:.2f} s")
    out.unlink()


def print_profile(stats, title: str, top: int = 14) -> None:
    """Top functions by own time (with the callers of hot built-ins), then ours by cumulative."""
    rows = []
    for key, (_cc, calls, tottime, cumtime, callers) in stats.stats.items():
        rows.append((tottime, cumtime, calls, _short(key[0], key[1]), key[2], callers))
    print(f"\n  cProfile of {title} ({stats.total_tt:.2f} s under the profiler)")
    print(f"  {'tottime':>8} {'cumtime':>8} {'calls':>9}  file:function (by own time)")
    for tottime, cumtime, calls, where, func, callers in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {tottime:8.3f} {cumtime:8.3f} {calls:9d}  {where}:{func}")
        if where.startswith("~") and callers:  # a built-in: say who calls it
            hot = sorted(callers.items(), key=lambda item: -item[1][2])[:3]
            for (path, line, func_), (_c, _n, tt, _ct) in hot:
                print(f"  {'':8} {'':8} {'':9}    ← {tt:.3f} s from {_short(path, line)}:{func_}")
    ours = [r for r in rows if r[3].startswith(("grading/", "bench/"))]
    print(f"  {'tottime':>8} {'cumtime':>8} {'calls':>9}  file:function (ours, by cumulative)")
    for tottime, cumtime, calls, where, func, _callers in sorted(ours, key=lambda r: -r[1])[:top]:
        print(f"  {tottime:8.3f} {cumtime:8.3f} {calls:9d}  {where}:{func}")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _short(path: str, line: int) -> str:
    if path.startswith(str(ROOT) + "/"):
        path = path[len(str(ROOT)) + 1 :]
        if path.startswith(".venv/"):
            path = path.split("site-packages/", 1)[-1]
    elif "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith("/"):
        path = "stdlib/" + Path(path).name
    return f"{path}:{line}" if line else path


def verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW"


def table(rows: list[list], header: list[str]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for k, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))


# ---- the parts -----------------------------------------------------------------------------


def study_command(data: Path, args, **extra) -> list:
    cmd = [
        sys.executable,
        Path(__file__),
        "--worker",
        "study",
        "--data",
        data,
        "--replicates",
        args.replicates,
        "--seed",
        BOOT_SEED,
        "--boot-weights",
        args.boot_weights,
    ]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", value]
    return cmd


def part_study(data: Path, args, summary: list, tmp: Path) -> None:
    print("\n== 1. Hallinan-sized study: 150 patients × 25 sites, whole process ==")
    best, times = best_of(study_command(data, args), args.repeat)
    res = best.result()
    s = res["seconds"]
    inner = sum(s.values())
    print(
        f"  {res['subjects']} subjects ({res['patients']} patient clusters), {res['raters']} "
        f"rater columns (reference, model read once; 5 readers × 2 sessions), {res['pairs']} pairs"
    )
    print(
        f"  coefficient computations: {res['estimates']} estimates with cluster SE "
        f"(8 coefficients × 3 weightings × {res['pairs']} pairs) + {res['differences']} "
        f"bootstrap differences × {res['replicates']} replicates "
        f"(= {2 * res['differences'] * res['replicates']:,} replicate coefficients)"
    )
    table(
        [
            ["whole process", f"{best.seconds:.2f}", spread(times)],
            ["  interpreter start + exit", f"{best.seconds - inner:.2f}", ""],
            ["  imports (numpy, pandas, scipy, grading)", f"{s['import']:.2f}", ""],
            ["  load .npz, build Ratings", f"{s['load']:.2f}", ""],
            [f"  {res['differences']} bootstrap differences", f"{s['bootstrap']:.2f}", ""],
            [f"  {res['estimates']} estimates + cluster SE", f"{s['estimates']:.2f}", ""],
        ],
        ["step", "seconds", f"range of {len(times)}"],
    )
    _print_study_sample(res)
    ok = best.seconds <= TARGET_STUDY_S
    summary.append(
        [
            "1. study, 150 patients",
            f"{best.seconds:.2f} s",
            "—",
            "—",
            f"≤ {TARGET_STUDY_S:g} s",
            verdict(ok),
        ]
    )
    if args.profile and not ok:
        profile(study_command(data, args), tmp, "part 1 (150 patients)")


def _print_study_sample(res: dict) -> None:
    print("\n  AC2 linear against the reference (cluster SE), first rows:")
    table(
        [[f"{a} vs {b}", f"{est:.4f}", f"{se:.4f}"] for _l, a, b, _c, est, se in res["sample"]],
        ["pair", "AC2", "SE"],
    )
    print("\n  AC2(model, ref) − AC2(reader, ref), cluster bootstrap (percentile 95 % CI):")
    table(
        [
            [w, r, f"{d:+.4f}", f"{se:.4f}", f"[{lo:+.4f}, {hi:+.4f}]"]
            for w, r, d, se, lo, hi in res["diffs"]
        ],
        ["weights", "reader", "difference", "SE", "95 % CI"],
    )


def part_100x(data: Path, args, summary: list, tmp: Path) -> None:
    print("\n== 2. The same at 100× the patients: 15,000 × 25 = 375,000 subjects ==")
    run = run_process(study_command(data, args), timeout=args.cap)
    if run.capped:
        boot_done, boot_s = run.progress("boot")
        est_done, est_s = run.progress("est")
        per_pair = 8  # progress lines come once per pair, after its 8 coefficients
        total_est = 8 * 3 * 31
        print(
            f"  capped at --cap {args.cap:g} s: {boot_done} bootstrap differences took "
            f"{boot_s:.1f} s, then {est_done} of {total_est} estimates took {est_s:.1f} s"
        )
        if est_done >= per_pair:
            projected = run.seconds - est_s + est_s * total_est / est_done
            print(
                f"  projected whole process ≈ {projected:.0f} s "
                "(estimates extrapolated linearly from the pairs done)"
            )
            figure = f"≈ {projected:.0f} s (proj.)"
        else:
            figure = f"> {args.cap:g} s"
        summary.append(
            ["2. study, 15,000 patients", figure, "—", "—", f"≤ {TARGET_100X_S:g} s", "BELOW"]
        )
        ok = False
    else:
        if run.code != 0:
            raise RuntimeError(f"100× study failed: {run.err[-800:]}")
        res = run.result()
        s = res["seconds"]
        print(
            f"  {res['subjects']:,} subjects, {res['estimates']} estimates with cluster SE + "
            f"{res['differences']} bootstrap differences × {res['replicates']} replicates"
        )
        table(
            [
                ["whole process", f"{run.seconds:.2f}"],
                ["  imports", f"{s['import']:.2f}"],
                ["  load .npz, build Ratings", f"{s['load']:.2f}"],
                [f"  {res['differences']} bootstrap differences", f"{s['bootstrap']:.2f}"],
                [f"  {res['estimates']} estimates + cluster SE", f"{s['estimates']:.2f}"],
            ],
            ["step", "seconds"],
        )
        ok = run.seconds <= TARGET_100X_S
        summary.append(
            [
                "2. study, 15,000 patients",
                f"{run.seconds:.1f} s",
                "—",
                "—",
                f"≤ {TARGET_100X_S:g} s",
                verdict(ok),
            ]
        )
    if args.profile and not ok:
        # A subset keeps the profile short: 2 bootstrap differences and 3 pairs × 24 estimates.
        cmd = study_command(data, args, pairs_limit=3, readers_limit=1)
        profile(cmd, tmp, "part 2 subset (2 bootstrap differences, 72 estimates, 375,000 subjects)")


def part_cli(python: Path, tmp: Path, big, args, summary: list) -> None:
    long_csv, wide_csv, subjects = big
    print(f"\n== 3a. CLI Gwet AC2 (linear) with SE, {subjects:,} subjects × 7 raters ==")
    # Both sides read the same wide file (irrCAC's raw layout: one column per rater); the
    # long-format run of ours is printed beside it for information.
    ours_cmd = [
        sys.executable,
        "-m",
        "grading.agreement",
        "estimate",
        "--coefficient",
        "gwet",
        "--weights",
        "linear",
        "--input",
        wide_csv,
        "--input-format",
        "wide",
        "--categories",
        "0,1,2,3",
    ]
    long_cmd = [*ours_cmd[:8], "--input", long_csv, "--categories", "0,1,2,3"]
    peer_script = tmp / "peer_cli.py"
    peer_script.write_text(PEER_CLI)
    peer_cmd = [python, peer_script, wide_csv]
    ours_runs, peer_runs = [], []
    for _ in range(max(1, min(args.repeat, 2))):  # alternate the two sides
        ours_runs.append(run_process(ours_cmd))
        peer_runs.append(run_process(peer_cmd))
    for run in ours_runs + peer_runs:
        if run.code != 0:
            raise RuntimeError(f"CLI run failed: {run.err[-800:]}")
    ours = min(ours_runs, key=lambda r: r.seconds)
    peer = min(peer_runs, key=lambda r: r.seconds)
    long_run = run_process(long_cmd)
    o, p = ours.result(), peer.result()
    ratio = peer.seconds / ours.seconds
    d_est, d_se = abs(o["estimate"] - p["estimate"]), abs(o["standard_error"] - p["se"])
    same = d_est < 1e-9 and d_se < 1e-9
    table(
        [
            [
                "ours: python -m grading.agreement estimate (same wide CSV)",
                f"{ours.seconds:.2f}",
                spread([r.seconds for r in ours_runs]),
                f"{o['estimate']:.12f}",
                f"{o['standard_error']:.12f}",
            ],
            [
                "ours, long CSV subject,rater,rating (for information)",
                f"{long_run.seconds:.2f}",
                "",
                f"{long_run.result()['estimate']:.12f}",
                f"{long_run.result()['standard_error']:.12f}",
            ],
            [
                "irrcac 0.4.4: read_csv (wide) + CAC.gwet()",
                f"{peer.seconds:.2f}",
                spread([r.seconds for r in peer_runs]),
                f"{p['estimate']:.12f}",
                f"{p['se']:.12f}",
            ],
        ],
        ["whole process", "seconds", "range", "AC2", "SE"],
    )
    print(
        f"  |Δ estimate| = {d_est:.1e}, |Δ SE| = {d_se:.1e}: "
        f"{'same to 1e-9' if same else 'DIFFER'}; speed-up ours vs irrcac = {ratio:.2f}×"
    )
    label = "3a. CLI AC2 + SE, 375k × 7" if not args.quick else f"3a. CLI, {subjects:,} × 7"
    summary.append(
        [
            label,
            f"{ours.seconds:.2f} s",
            f"{peer.seconds:.2f} s",
            f"{ratio:.2f}×",
            f"≥ {GOAL_CLI:g}×",
            verdict(ratio >= GOAL_CLI and same),
        ]
    )
    if args.profile and ratio < GOAL_CLI:
        profile(ours_cmd, tmp, "part 3a, ours (CLI)")


def part_boot(python: Path | None, tmp: Path, small: dict, args, summary: list) -> None:
    import numpy as np

    pair = ("reference", "reader1.s1")
    print(
        f"\n== 3b. {args.replicates}-replicate patient bootstrap, AC2 linear, "
        f"{pair[1]} vs {pair[0]}, 150 patients =="
    )
    ours_out = tmp / "ours_reps.npy"
    ours_cmd = [
        sys.executable,
        Path(__file__),
        "--worker",
        "boot",
        "--data",
        small["npz"],
        "--pair",
        ",".join(pair),
        "--replicates",
        args.replicates,
        "--seed",
        BOOT_SEED,
        "--out",
        ours_out,
    ]
    ours, times = best_of(ours_cmd, args.repeat)
    o = ours.result()
    rows = [
        [
            "ours: raw_coefficient(variance='bootstrap')",
            args.replicates,
            f"{ours.seconds:.2f}",
            spread(times),
            "",
            f"{o['estimate']:.10f}",
            f"{o['se']:.10f}",
        ]
    ]
    if python is None:
        table(rows, ["whole process", "B", "seconds", "range", "", "AC2", "bootstrap SE"])
        summary.append(
            [
                f"3b. bootstrap B={args.replicates}, 150 pat.",
                f"{ours.seconds:.2f} s",
                "skipped",
                "—",
                f"≥ {GOAL_BOOT:g}×",
                "—",
            ]
        )
        return
    peer_b = min(args.irrcac_replicates, args.replicates)
    peer_out = tmp / "peer_reps.npy"
    peer_script = tmp / "peer_boot.py"
    peer_script.write_text(PEER_BOOT)
    peer = run_process([python, peer_script, small["wide"], *pair, peer_b, BOOT_SEED, peer_out])
    p = peer.result()
    setup = peer.seconds - p["loop"]
    projected = setup + p["loop"] * args.replicates / peer_b
    note = "" if peer_b == args.replicates else f"projected to {args.replicates}"
    rows.append(
        [
            "irrcac: loop of CAC(resample).gwet()",
            peer_b,
            f"{peer.seconds:.2f}",
            "",
            note and f"{projected:.2f} ({note})",
            f"{p['estimate']:.10f}",
            f"{p['se']:.10f}",
        ]
    )
    table(rows, ["whole process", "B", "seconds", "range", "projected", "AC2", "bootstrap SE"])
    ours_reps, peer_reps = np.load(ours_out), np.load(peer_out)
    gap = float(np.max(np.abs(ours_reps[:peer_b] - peer_reps)))
    print(
        f"  irrcac: {setup:.2f} s start, imports and read_csv, then {p['loop'] / peer_b * 1e3:.1f} "
        f"ms per replicate. Both draw the resampled patients as default_rng({BOOT_SEED})"
        f".integers(0, 150, (B, 150)): the {peer_b} common replicates differ by at most {gap:.1e}"
    )
    if peer_b < args.replicates:
        print(
            f"  (irrcac ran {peer_b} replicates; its time is projected linearly to "
            f"{args.replicates}: start-up + loop × {args.replicates}/{peer_b}. "
            "--irrcac-replicates 2000 runs them all, about a minute.)"
        )
    common_se = float(np.std(ours_reps[:peer_b], ddof=1))
    print(
        f"  SE over the {peer_b} common replicates: ours {common_se:.12f}, irrcac "
        f"{p['se']:.12f} (|Δ| {abs(common_se - p['se']):.1e})"
    )
    ratio = projected / ours.seconds
    same_estimate = abs(o["estimate"] - p["estimate"]) < 1e-9
    if gap < 1e-9:
        check, same = "identical replicates", same_estimate
    else:
        # Should the library change how it draws resamples, they differ and only the SEs
        # compare, within Monte Carlo error (the SE of a bootstrap SE from B replicates is
        # about SE/√(2B)).
        tolerance = 4 * p["se"] / np.sqrt(2 * peer_b) + 4 * o["se"] / np.sqrt(2 * args.replicates)
        close = abs(o["se"] - p["se"]) <= tolerance
        check = f"different resamples, SEs {'within' if close else 'OUTSIDE'} Monte Carlo error"
        same = same_estimate and close
    print(f"  speed-up ours vs irrcac = {ratio:.1f}×; {check}; same estimate: {same_estimate}")
    summary.append(
        [
            f"3b. bootstrap B={args.replicates}, 150 pat.",
            f"{ours.seconds:.2f} s",
            f"{projected:.1f} s" + (" (proj.)" if note else ""),
            f"{ratio:.1f}×",
            f"≥ {GOAL_BOOT:g}×",
            verdict(ratio >= GOAL_BOOT and same),
        ]
    )
    if args.profile and ratio < GOAL_BOOT:
        profile(ours_cmd, tmp, "part 3b, ours")


def part_inprocess(args, summary: list) -> None:
    import timeit
    import warnings

    import krippendorff
    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

    from bench._agreement_data import simulate
    from grading.agreement.data import Ratings
    from grading.agreement.krippendorff import krippendorff_alpha
    from grading.agreement.raw import raw_coefficient
    from grading.agreement.table import table_coefficient

    print("\n== 4. In process (timeit, best of 5) against statsmodels 0.15 and krippendorff ==")
    study = simulate(720, missing_rate=0.0, seed=SEED + 4)  # 18,000 subjects, complete
    m = study["matrix"]
    ref, reader = m[:, 0], m[:, 2]
    q = len(CATEGORIES)
    contingency = np.zeros((q, q))
    np.add.at(contingency, (ref, reader), 1.0)
    readers = m[:, 2:7]
    counts = np.stack([(readers == k).sum(axis=1) for k in range(q)], axis=1).astype(float)
    pair = np.column_stack([ref, reader])
    subjects = tuple(range(len(pair)))
    reliability = pair.T.astype(float)

    def best(fn) -> float:
        timer = timeit.Timer(fn)
        number, _ = timer.autorange()
        return min(timer.repeat(repeat=5, number=number)) / number

    rows = []
    for weights, wt in (("identity", None), ("linear", "linear"), ("quadratic", "quadratic")):

        def ours(weights=weights):
            t = Ratings.from_table(contingency, categories=CATEGORIES)
            return table_coefficient(t, coefficient="cohen", weights=weights)

        def peer(wt=wt):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return cohens_kappa(contingency, wt=wt)

        a, b = ours(), peer()
        agree = (
            abs(a.estimate - b.kappa) < 1e-12
            and abs(a.standard_error - b.std_kappa) < 1e-12
            and abs(a.standard_error_null - b.std_kappa0) < 1e-12
        )
        rows.append(
            [
                f"Cohen κ {weights}, 4×4 table (κ, SE, SE0)",
                best(ours),
                best(peer),
                f"κ={a.estimate:.6f}",
                agree,
                ours,
            ]
        )

    def ours_fleiss():
        return raw_coefficient(
            Ratings.from_counts(counts, categories=CATEGORIES), coefficient="fleiss"
        )

    def peer_fleiss():
        return fleiss_kappa(counts)

    a, b = ours_fleiss(), peer_fleiss()
    rows.append(
        [
            "Fleiss κ, counts 18,000 × 4, 5 raters (ours +SE)",
            best(ours_fleiss),
            best(peer_fleiss),
            f"κ={a.estimate:.6f}",
            abs(a.estimate - b) < 1e-12,
            ours_fleiss,
        ]
    )

    for metric in ("interval", "ordinal"):

        def ours_alpha(metric=metric):
            r = Ratings(
                kind="matrix",
                categories=CATEGORIES,
                matrix=pair,
                subjects=subjects,
                raters=("reference", "reader1.s1"),
            )
            return krippendorff_alpha(r, metric=metric)

        def peer_alpha(metric=metric):
            return krippendorff.alpha(
                reliability_data=reliability,
                value_domain=list(CATEGORIES),
                level_of_measurement=metric,
            )

        a, b = ours_alpha(), peer_alpha()
        rows.append(
            [
                f"Krippendorff α {metric}, 18,000 units × 2",
                best(ours_alpha),
                best(peer_alpha),
                f"α={a.estimate:.6f}",
                abs(a.estimate - b) < 1e-12,
                ours_alpha,
            ]
        )
    table(
        [
            [
                name,
                f"{o * 1e3:.3f}",
                f"{p * 1e3:.3f}",
                f"{p / o:.2f}×",
                value,
                "agree" if ok else "DIFFER",
            ]
            for name, o, p, value, ok, _fn in rows
        ],
        ["computation", "ours ms", "peer ms", "peer/ours", "value", "check (1e-12)"],
    )
    print(
        "  peer: statsmodels cohens_kappa / fleiss_kappa, krippendorff.alpha; "
        "ratio > 1 = ours faster"
    )
    for name, o, p, _value, ok, fn in rows:
        if args.profile and p < o:
            import cProfile
            import pstats

            calls = max(1, int(1.0 / o))
            profiler = cProfile.Profile()
            profiler.runcall(lambda fn=fn, calls=calls: [fn() for _ in range(calls)])
            print_profile(pstats.Stats(profiler), f"{calls} × ours, {name}", top=8)
        summary.append(
            [
                f"4. {name.split(',')[0]}",
                f"{o * 1e3:.3f} ms",
                f"{p * 1e3:.3f} ms",
                f"{p / o:.2f}×",
                "(no goal)",
                "agree" if ok else "DIFFER",
            ]
        )


# ---- main ----------------------------------------------------------------------------------


def _interrupt(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip part 2; part 3a at 37,500 subjects; irrcac loop 200 reps",
    )
    parser.add_argument(
        "--parts", default="1,2,3a,3b,4", help="parts to run, e.g. 1,3b (default: all)"
    )
    parser.add_argument("--skip-irrcac", action="store_true", help="skip the irrcac rows (part 3)")
    parser.add_argument("--repeat", type=int, default=3, help="whole-process runs, best kept")
    parser.add_argument(
        "--cap",
        type=float,
        default=180.0,
        help="seconds allowed to the 100× run; beyond it, project (default 180)",
    )
    parser.add_argument("--replicates", type=int, default=2000, help="bootstrap replicates")
    parser.add_argument(
        "--irrcac-replicates",
        type=int,
        default=500,
        help="replicates the irrcac loop runs (projected to --replicates)",
    )
    parser.add_argument(
        "--boot-weights",
        default="linear",
        help="weights of the gwet bootstrap differences, e.g. identity,linear,quadratic",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile ours where a goal is missed"
    )
    parser.add_argument("--worker", choices=("study", "boot"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=BOOT_SEED, help=argparse.SUPPRESS)
    parser.add_argument("--pair", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--pairs-limit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--readers-limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "study":
        worker_study(args)
        return 0
    if args.worker == "boot":
        worker_boot(args)
        return 0
    if args.quick:
        args.irrcac_replicates = min(args.irrcac_replicates, 200)
        args.repeat = min(args.repeat, 2)

    signal.signal(signal.SIGTERM, _interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="agreement-bench-"))
    try:
        return _main(args, tmp)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if _CHILD is not None and _CHILD.poll() is None:
            _CHILD.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def _main(args, tmp: Path) -> int:
    import platform

    import numpy as np

    from bench import _agreement_data as sim

    print(
        f"agreement_bench: {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
        f"{np.__version__}, load average {os.getloadavg()[0]:.1f}; seed {SEED}, bootstrap seed "
        f"{BOOT_SEED}"
    )
    start = time.perf_counter()
    summary: list[list] = []

    def save(study: dict, path: Path) -> Path:
        np.savez(
            path,
            matrix=study["matrix"],
            clusters=study["clusters"],
            raters=np.array(study["raters"]),
        )
        return path

    small = sim.simulate(150, seed=SEED)
    small_npz = save(small, tmp / "study150.npz")
    small_wide = tmp / "study150_wide.csv"
    sim.write_wide_csv(small_wide, small["matrix"], small["raters"], clusters=small["clusters"])
    # Warm the page cache and the bytecode once, untimed.
    run_process([sys.executable, "-c", "import grading.agreement.cli, grading.agreement.api"])

    parts = set(args.parts.split(","))
    if "1" in parts:
        part_study(small_npz, args, summary, tmp)

    big = sim.simulate(1500 if args.quick else 15000, seed=SEED)
    big_npz = save(big, tmp / "study_big.npz")
    if "2" in parts and not args.quick:
        part_100x(big_npz, args, summary, tmp)

    python = None
    if args.skip_irrcac:
        print("\n== 3. irrcac: skipped (--skip-irrcac) ==")
    elif parts & {"3a", "3b"}:
        python, why = irrcac_python()
        print(f"\n== 3. irrcac {IRRCAC_VERSION}: {why if python else 'unavailable: ' + why} ==")
        if python is not None:
            run_process([python, "-c", "import irrCAC.raw"])  # warm, untimed
        if python is not None and "3a" in parts:
            seven = big["matrix"][:, :7]  # reference, model, 5 readers of session 1
            names = big["raters"][:7]
            long_csv, wide_csv = tmp / "big_long.csv", tmp / "big_wide.csv"
            rows = sim.write_long_csv(long_csv, seven, names)
            sim.write_wide_csv(wide_csv, seven, names)
            print(
                f"  data: {len(seven):,} subjects × 7 raters, {rows:,} ratings (readers miss "
                "1 %); both read the same wide CSV (no cluster column, so the default "
                "linearised SE, as irrcac); ours also reads the long CSV, for information"
            )
            part_cli(python, tmp, (long_csv, wide_csv, len(seven)), args, summary)
            long_csv.unlink()
            wide_csv.unlink()
    if "3b" in parts:
        part_boot(python, tmp, {"npz": small_npz, "wide": small_wide}, args, summary)

    if "4" in parts:
        part_inprocess(args, summary)

    print("\n== Summary (whole-process seconds; part 4 in-process ms) ==")
    table(summary, ["case", "ours", "peer", "speed-up", "goal", "verdict"])
    print(f"\n  total run {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
