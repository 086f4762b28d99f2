"""The findings recall counts (ARCHITECTURE §3): the reference's required marks.

In phantom studies the truth keypoints are the reference marks, so the reference reader is
measured too; otherwise the reference reader's own marks on the sites it graded at or above
the protocol's ``marks_required_from_grade`` are the findings.
"""

from __future__ import annotations

import pandas as pd

from grading.reports.units import rater_column, site_code

FINDING_COLUMNS = ["finding", "case", "case_set", "cluster", "site", "region", "x", "y", "z"]


def _marks_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=["rater", "case", "site", "x", "y", "z"])
    frame = pd.DataFrame(rows)
    return pd.DataFrame(
        {
            "rater": [
                rater_column(r, s) for r, s in zip(frame["reader"], frame["session"], strict=True)
            ],
            "case": frame["case"],
            "site": [
                site_code(lv, rg, sd)
                for lv, rg, sd in zip(frame["level"], frame["region"], frame["side"], strict=True)
            ],
            "x": frame["patient_x_mm"].astype(float),
            "y": frame["patient_y_mm"].astype(float),
            "z": frame["patient_z_mm"].astype(float),
        }
    )


def findings_and_marks(inputs, frame: pd.DataFrame, plan) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(findings, readers' marks, source) where source is ``truth`` or ``reference``."""
    spec = inputs.spec
    marks = _marks_frame(inputs.marks)
    cases = frame.drop_duplicates("case").set_index("case")[["case_set", "cluster"]]
    region_of = {s.code: s.region for s in spec.sites}
    rows = []
    if inputs.truth:
        source = "truth"
        for t in inputs.truth:
            if t["case"] in cases.index and t["keypoint_lps"] and spec.mark_required(t["grade"]):
                rows.append((t["case"], t["site"], *t["keypoint_lps"]))
    else:
        source = "reference"
        ref = frame[frame["rater"] == plan.reference]
        required = {
            (c, s)
            for c, s, g in zip(ref["case"], ref["site"], ref["grade"], strict=True)
            if g == g and spec.mark_required(int(g))  # g == g: not NaN
        }
        own = marks[marks["rater"] == plan.reference]
        for case, site, x, y, z in zip(
            own["case"], own["site"], own["x"], own["y"], own["z"], strict=True
        ):
            if (case, site) in required:
                rows.append((case, site, x, y, z))
    findings = pd.DataFrame(
        [
            {
                "finding": f"{case}:{site}#{i}",
                "case": case,
                "case_set": cases.at[case, "case_set"],
                "cluster": cases.at[case, "cluster"],
                "site": site,
                "region": region_of.get(site, ""),
                "x": float(x),
                "y": float(y),
                "z": float(z),
            }
            for i, (case, site, x, y, z) in enumerate(sorted(rows, key=lambda r: (r[0], r[1])))
        ],
        columns=FINDING_COLUMNS,
    )
    return findings, marks, source
