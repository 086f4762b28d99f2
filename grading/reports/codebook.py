"""The codebook shipped with every export: each file's columns, types and allowed values."""

from __future__ import annotations

from grading.reports.stat import STATISTIC_COLUMNS


def _rows(file: str, entries: list[tuple[str, str, str]]) -> list[dict]:
    return [{"file": file, "column": c, "type": t, "meaning": m} for c, t, m in entries]


READ_SITE = [
    ("study", "text", "study slug"),
    ("case_set", "text", "case set, e.g. internal or external"),
    ("case", "text", "opaque case code (one patient)"),
    ("cluster", "text", "patient pseudonym: the cluster for patient-level variances"),
    ("reader", "text", "reader name (people and models)"),
    ("reader_kind", "human|model", "who read"),
    ("session", "integer", "reading session number"),
    ("arm", "unaided|ai_assisted", "the session's arm"),
    ("level", "text", "disc level, e.g. L4-L5"),
    ("region", "canal|recess|foramen", "central canal, lateral recess, neural foramen"),
    ("side", "left|right|empty", "side; empty for the central canal"),
]
READS = READ_SITE + [
    (
        "grade",
        "integer 0-3 or empty",
        "0 normal, 1 mild, 2 moderate, 3 severe; empty = not assessable",
    ),
    ("grade_label", "text", "the grade's label, or 'not assessable'"),
    ("opened_at_utc", "ISO 8601 UTC", "when the reader opened the case"),
    ("submitted_at_utc", "ISO 8601 UTC", "when the read was submitted"),
    ("active_s", "seconds", "active reading time (page visible and in use)"),
    ("simulated", "true|false", "a simulated read (demo data), not a person's"),
]
MARKS = READ_SITE + [
    ("kind", "point|box", "mark type"),
    ("sop_instance_uid", "UID", "pseudonymous SOP Instance UID of the image"),
    ("frame", "integer", "frame number (1-based)"),
    ("image_col, image_row", "pixels", "image position; (0, 0) is the centre of the first pixel"),
    ("box_col0 … box_row1", "pixels", "box corners, empty for points"),
    ("patient_x_mm … patient_z_mm", "mm", "position in patient coordinates (DICOM LPS)"),
    ("simulated", "true|false", "a simulated read (demo data)"),
]
STATISTICS = {
    "id": ("text", "analysis|case_set|region|scale|statistic|reader|comparator|sessions|variance"),
    "analysis": (
        "text",
        "agreement_reference, recall, interobserver_pairwise, "
        "interobserver_multirater, intraobserver, model_vs_radiologist, ai_vs_unaided, "
        "reading_time",
    ),
    "case_set": ("text", "a case set, or 'all' (every case)"),
    "region": ("text", "canal, recess, foramen, or overall (every site)"),
    "scale": ("4-grade|dichotomous|empty", "grading scale; dichotomous = grade >= 2"),
    "statistic": ("text", "e.g. gwet_ac2_linear, cohen_kappa_quadratic, recall, sensitivity"),
    "reader": ("text", "the reader (or the first of a pair; multi-rater: raters joined by +)"),
    "comparator": ("text", "reference, the second reader, or the radiologist compared with"),
    "sessions": ("text", "session number(s) the reads come from"),
    "estimate": ("number", "the estimate; for differences reader minus comparator"),
    "standard_error": ("number", "standard error (variance named in 'variance')"),
    "ci_low": ("number", "lower bound of the 95% CI"),
    "ci_high": ("number", "upper bound of the 95% CI"),
    "p_value": ("number", "two-sided p (coefficients against 0, differences against 0)"),
    "p_holm": ("number", "Holm-adjusted p within its family"),
    "n_subjects": ("integer", "units (case × site), findings or reads used"),
    "n_clusters": ("integer", "patients"),
    "df": ("number", "degrees of freedom of the t reference"),
    "variance": ("cluster|bootstrap|empty", "how the SE and CI were obtained"),
    "note": ("text", "warnings of the computation"),
    "command": (
        "text",
        "python -m grading.agreement command reproducing the row, run from the export folder",
    ),
    "holm_command": ("text", "the command that reproduces p_holm"),
}
CODEBOOK = tuple(
    _rows("reads.csv", READS)
    + _rows("marks.csv", MARKS)
    + [
        {
            "file": "statistics.csv",
            "column": c,
            "type": STATISTICS[c][0],
            "meaning": STATISTICS[c][1],
        }
        for c in STATISTIC_COLUMNS
    ]
    + _rows(
        "cli/grades_<case set>_<region>_<4grade|dich>.csv",
        [
            ("subject", "text", "reading unit: case:site"),
            ("cluster", "text", "patient pseudonym"),
            (
                "<reader>@s<N>",
                "integer or empty",
                "the reader's grade in session N; empty = missing",
            ),
        ],
    )
    + _rows(
        "cli/recall_*.csv, cli/sensitivity_*.csv, cli/specificity_*.csv",
        [
            (
                "finding / subject",
                "text",
                "a reference finding, or a unit the reference graded "
                "positive (sensitivity) or negative (specificity)",
            ),
            ("cluster", "text", "patient pseudonym"),
            (
                "<reader>@s<N>",
                "0|1|empty",
                "detected / agreed; empty = the reader did not grade it",
            ),
        ],
    )
    + _rows(
        "cli/times_*.csv",
        [
            ("reader, case, session, arm", "text", "one read"),
            ("seconds", "seconds", "active reading time"),
        ],
    )
    + _rows(
        "formats/imrmc.csv",
        [
            (
                "readerID, caseID, modalityID, score",
                "iMRMC",
                "truth rows: readerID and modalityID "
                "'truth', score = reference grade >= 2; caseID = case:site; score = ordinal grade",
            )
        ],
    )
    + _rows(
        "formats/mrmcaov.csv",
        [
            (
                "reader, treatment, case, truth, rating",
                "MRMCaov",
                "treatment = arm; truth = reference grade >= 2; rating = ordinal grade",
            )
        ],
    )
    + _rows(
        "formats/rsna2024_<reader>_s<N>.csv",
        [
            (
                "study_id, {condition}_{level}",
                "RSNA 2024",
                "Normal/Mild, Moderate, Severe; empty = not assessable",
            )
        ],
    )
)
