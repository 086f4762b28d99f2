"""Simulated reader-study grades for ``agreement_bench.py`` (numpy only, fixed seed).

The design follows a Hallinan-type study: ``patients`` × ``sites`` reading units (subject =
patient × site, cluster = patient), graded 0–3 by a reference standard, a model and five
readers who each read every unit twice (sessions 1 and 2). The reference and the model read
once. Grades come from a latent severity

    z_ps = u_p + v_ps,   u_p ~ N(0, 0.8²) (patient effect),   v_ps ~ N(0, 1),

cut at fixed thresholds into 0–3 (about 52/23/15/10 % for the reference). A rater adds its
own bias and noise to z (reader noise is fresh at each session), then, with a rater-specific
probability, a ±1 confusion (clipped to 0–3). Readers miss about 1 % of their ratings at
random (−1); the reference and the model rate every unit.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = (0, 1, 2, 3)
THRESHOLDS = np.array([0.15, 0.95, 1.75])  # on z with sd ≈ 1.28
READERS = 5
SESSIONS = 2
# (name, bias, noise sd, probability of a ±1 confusion)
_REFERENCE = ("reference", 0.0, 0.25, 0.02)
_MODEL = ("model", 0.05, 0.45, 0.05)
_READERS = [
    (f"reader{k + 1}", bias, noise, confusion)
    for k, (bias, noise, confusion) in enumerate(
        [(0.00, 0.50, 0.06), (0.10, 0.55, 0.08), (-0.10, 0.60, 0.07), (0.15, 0.70, 0.10),
         (-0.05, 0.65, 0.09)]
    )
]  # fmt: skip
MISSING_RATE = 0.01


def rater_names(sessions: int = SESSIONS) -> list[str]:
    """Columns of the matrix: reference, model, then reader k session s (``reader3.s2``)."""
    names = [_REFERENCE[0], _MODEL[0]]
    for s in range(1, sessions + 1):
        names += [f"{name}.s{s}" for name, *_ in _READERS]
    return names


def simulate(
    patients: int,
    sites: int = 25,
    *,
    seed: int = 20261127,
    sessions: int = SESSIONS,
    missing_rate: float = MISSING_RATE,
):
    """The study as arrays.

    Returns
    -------
    dict
        ``matrix``: int64 (patients·sites) × (2 + 5·sessions), category positions 0–3 and −1
        for a missing rating, columns in :func:`rater_names` order; ``clusters``: int64 patient
        of every subject (0..patients − 1); ``raters``: the column names.
    """
    rng = np.random.default_rng(seed)
    n = patients * sites
    clusters = np.repeat(np.arange(patients, dtype=np.int64), sites)
    z = rng.normal(0.0, 0.8, patients)[clusters] + rng.normal(0.0, 1.0, n)

    def grade(bias: float, noise: float, confusion: float) -> np.ndarray:
        g = np.searchsorted(THRESHOLDS, z + bias + rng.normal(0.0, noise, n)).astype(np.int64)
        flip = rng.random(n) < confusion
        g[flip] += np.where(rng.random(int(flip.sum())) < 0.5, -1, 1)
        return np.clip(g, 0, 3)

    columns = [grade(*_REFERENCE[1:]), grade(*_MODEL[1:])]
    for _ in range(sessions):
        for _name, bias, noise, confusion in _READERS:
            g = grade(bias, noise, confusion)
            g[rng.random(n) < missing_rate] = -1
            columns.append(g)
    return {
        "matrix": np.column_stack(columns),
        "clusters": clusters,
        "raters": rater_names(sessions),
    }


def dichotomy(matrix: np.ndarray) -> np.ndarray:
    """Grade ≥ 2 → 1, else 0, on categories (0, 1); missing stays −1."""
    return np.where(matrix >= 0, (matrix >= 2).astype(np.int64), -1)


def write_long_csv(path, matrix: np.ndarray, raters: list[str]) -> int:
    """``subject,rater,rating`` (one row per non-missing rating, subject = row number).

    Written with numpy, not pandas, so that writing 2.6 M rows takes seconds. Returns rows.
    """
    n, r = matrix.shape
    subject = np.repeat(np.arange(n), r)
    rater = np.tile(np.arange(r), n)
    rating = matrix.ravel()
    keep = rating >= 0
    names = np.array(raters, dtype=object)
    lines = np.char.add(
        np.char.add(subject[keep].astype(str), ","),
        np.char.add(np.char.add(names[rater[keep]].astype(str), ","), rating[keep].astype(str)),
    )
    with open(path, "w") as f:
        f.write("subject,rater,rating\n")
        f.write("\n".join(lines.tolist()))
        f.write("\n")
    return int(keep.sum())


def write_wide_csv(path, matrix: np.ndarray, raters: list[str], clusters=None) -> None:
    """``subject[,patient],<rater>…`` one row per subject, blank where a rating is missing."""
    n = matrix.shape[0]
    text = matrix.astype(str).astype(object)
    text[matrix < 0] = ""
    cells = [np.arange(n).astype(str).astype(object)]
    header = ["subject"]
    if clusters is not None:
        cells.append(np.asarray(clusters).astype(str).astype(object))
        header.append("patient")
    cells += list(text.T)
    header += list(raters)
    rows = cells[0]
    for column in cells[1:]:
        rows = rows + "," + column
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        f.write("\n".join(rows.tolist()))
        f.write("\n")
