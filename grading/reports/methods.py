"""The methods paragraphs: what was computed and how, in sentences for a manuscript."""

from __future__ import annotations

from grading.reports.plan import Plan


def methods_text(
    plan: Plan, *, recall_source: str, bootstrap: int, seed: int, spec
) -> tuple[str, ...]:
    """Paragraphs that state the coefficients, weights, variances, CIs and test sidedness."""
    regions = ", ".join(r.label.lower() for r in spec.regions)
    scale = ", ".join(f"{g.value} {g.label.lower()}" for g in spec.scale)
    ai = (
        f" Reads in the AI-assisted session {plan.ai} were compared with the first unaided "
        f"session {plan.primary}."
        if plan.ai is not None
        else ""
    )
    repeat = (
        f" Intraobserver agreement compared session {plan.primary} with the repeat unaided "
        f"session {plan.repeat}; the washout observed is reported per reader."
        if plan.repeat is not None
        else " No repeat unaided session had reads, so intraobserver agreement is not reported."
    )
    truth = (
        "the phantom's truth keypoints, which serve as the reference marks"
        if recall_source == "truth"
        else "the reference reader's marks"
    )
    threshold = spec.dichotomy_threshold
    paragraphs = [
        f"Each case was graded at {len(spec.levels)} disc levels ({', '.join(spec.levels)}) in "
        f"the {regions} on an ordinal scale ({scale}). 'Not assessable' was treated as a "
        "missing rating in every statistic, never as a further category; its frequency is "
        f"reported per reader and region. The dichotomous analysis grouped grades below "
        f"{threshold} against grades {threshold} and above. Lateral recess and neural foramen "
        "pool the left and right sides; 'overall' pools every site.",
        f"Agreement with the reference standard ({plan.reference_name}), interobserver agreement "
        f"and recall used the first unaided session ({plan.primary}).{repeat}{ai}",
        "For the four-grade scale we report Gwet's AC2 with linear weights, Cohen's kappa with "
        "linear and with quadratic weights, and percent agreement; for the dichotomous scale "
        "Gwet's AC1, Cohen's kappa and percent agreement, with sensitivity and specificity "
        "against the reference. Two-rater coefficients use the units both raters graded. "
        "Multi-rater coefficients (Gwet's AC2/AC1 and Fleiss' kappa, generalised with the same "
        "weights) use every unit at least one rater graded, with chance agreement estimated "
        "from all ratings each rater gave, as in Gwet's framework (R irrCAC).",
        "Because one patient contributes many level and region units, standard errors are "
        "Gwet's linearised variance aggregated by patient (cluster-robust), with 95% "
        "confidence intervals from the t distribution with (number of patients − 1) degrees "
        "of freedom, the upper bound clipped at 1. P values test each coefficient against 0, "
        "two-sided. All coefficients were computed with the categories declared by the "
        "protocol, whether or not every grade was used.",
        f"Recall was the proportion of {truth} (sites graded {spec.marks_required_from_grade} "
        "or above) matched by a mark of the reader on the same site within the region's "
        "tolerance ("
        + ", ".join(f"{r.label.lower()} {r.tolerance_mm:g} mm" for r in spec.regions)
        + ", 3-D distance in patient coordinates); a missing mark counted as a miss. "
        "Recall, sensitivity and specificity have Obuchowski's (1998) clustered variance with "
        "normal 95% confidence intervals.",
        "The model was compared with each radiologist by the paired difference of their "
        "agreement with the reference (Gwet 2016, linearised and clustered by patient, on "
        "the units the model, the radiologist and the reference all graded; two-sided t test "
        "with (patients − 1) degrees of freedom) and by the difference in recall "
        "(Obuchowski's clustered chi-square test, two-sided). AI-assisted and unaided reading "
        "were compared the same way per reader. P values were adjusted with Holm's method "
        "within each family (model vs radiologists; AI-assisted vs unaided) per case set."
        + (
            f" As a sensitivity analysis, each paired difference was re-estimated with a "
            f"patient-level cluster bootstrap ({bootstrap} resamples, percentile intervals, "
            f"seed {seed} with a per-statistic derived seed)."
            if bootstrap > 0
            else ""
        ),
        "Reading time is the active time on the reading page (time with the page hidden or "
        "idle excluded), summarised by median and interquartile range. Where both arms "
        "exist, AI-assisted and unaided times were paired by reader and case and compared "
        "with a two-sided Wilcoxon signed-rank test (pingouin) and a linear mixed model of "
        "log time with random effects for reader and case (statsmodels, REML), whose arm "
        "effect is reported as a ratio of geometric mean times.",
        "Every statistic was computed with ReaderStudy's grading.agreement library; the "
        "export lists, for each, the command of its command-line interface that reproduces "
        "it from the exported input files.",
    ]
    return tuple(paragraphs)
