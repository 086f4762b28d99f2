"""Reader-versus-truth statistics per region, computed with ``grading.agreement``.

Detection recall counts a site as found when the predicted point lies within the
protocol's tolerance of the truth keypoint (3-D distance, patient mm; the canal uses the
axial point). Grades are compared on 4 levels (accuracy, linear-weighted κ) and
dichotomised at grade ≥ 2 (Gwet AC1, sensitivity, specificity), as in Hallinan 2021.
"""

from __future__ import annotations

import numpy as np

from .types import REGIONS, ReaderOutput, site_keys

TOLERANCE_MM = {"canal": 4.0, "recess": 3.0, "foramen": 5.0}


def region_rows(results: list[tuple[ReaderOutput, dict]], region: str) -> dict[str, np.ndarray]:
    """Per site of ``region``: study number, truth grade, predicted grade (-1 if none), found."""
    study, truth_g, pred_g, found = [], [], [], []
    for s, (output, truth) in enumerate(results):
        by_site = output.by_site()
        for key in site_keys():
            if key[1] != region:
                continue
            code = "/".join(k for k in key if k)
            grade, keypoint = truth[code]
            p = by_site[code]
            study.append(s)
            truth_g.append(grade)
            pred_g.append(-1 if p.grade is None else p.grade)
            hit = p.location is not None and (
                np.linalg.norm(np.asarray(p.location.patient_mm) - keypoint) <= TOLERANCE_MM[region]
            )
            found.append(int(hit))
    return {k: np.asarray(v) for k, v in
            {"study": study, "truth": truth_g, "pred": pred_g, "found": found}.items()}  # fmt: skip


def region_statistics(rows: dict[str, np.ndarray]) -> dict[str, float | int]:
    """Recall, 4-grade accuracy, linear κ, dichotomous AC1, sensitivity, specificity."""
    from grading.agreement import (
        Ratings,
        clustered_proportion,
        cohen_kappa,
        gwet_ac,
        percent_agreement,
    )

    graded = rows["pred"] >= 0
    truth, pred, study = rows["truth"][graded], rows["pred"][graded], rows["study"][graded]
    four = Ratings.from_matrix(np.column_stack([truth, pred]), categories=[0, 1, 2, 3])
    t2, p2 = (truth >= 2).astype(int), (pred >= 2).astype(int)
    two = Ratings.from_matrix(np.column_stack([t2, p2]), categories=[0, 1])
    positives, negatives = t2 == 1, t2 == 0

    def proportion(successes, clusters) -> float:
        # A set without reference positives (or negatives) has no sensitivity (specificity).
        return (
            clustered_proportion(successes, clusters).estimate if successes.size else float("nan")
        )

    return {
        "sites": int(rows["truth"].size),
        "assessed": int(graded.sum()),
        "recall": clustered_proportion(rows["found"], rows["study"]).estimate,
        "accuracy": percent_agreement(four).estimate,
        "kappa_linear": cohen_kappa(four, weights="linear").estimate,
        "ac1_dichotomous": gwet_ac(two).estimate,
        "sensitivity": proportion(p2[positives], study[positives]),
        "specificity": proportion(1 - p2[negatives], study[negatives]),
    }


def evaluate_results(results: list[tuple[ReaderOutput, dict]]) -> dict[str, dict]:
    """Statistics of every region over (output, truth) pairs of many studies."""
    return {region: region_statistics(region_rows(results, region)) for region in REGIONS}


def format_table(stats: dict[str, dict]) -> str:
    """A plain-text table, one row per region."""
    columns = [
        "recall",
        "accuracy",
        "kappa_linear",
        "ac1_dichotomous",
        "sensitivity",
        "specificity",
    ]
    head = f"{'region':8s} {'sites':>5s} " + " ".join(f"{c:>15s}" for c in columns)
    lines = [head]
    for region, s in stats.items():
        values = " ".join(f"{s[c]:15.3f}" for c in columns)
        lines.append(f"{region:8s} {s['sites']:5d} {values}")
    return "\n".join(lines)
