"""Which figures a report shows, from its statistics: forest plots and confusion heatmaps.

Drawing lives in :mod:`grading.reports.figures`; this module only picks the statistics.
"""

from __future__ import annotations

from grading.reports import figures as figs
from grading.reports.journal import DICHOTOMOUS, FOUR_GRADE
from grading.reports.tables import confusion_matrices, regions_first
from grading.reports.units import OVERALL

INTEROBSERVER = [FOUR_GRADE[0], FOUR_GRADE[1], DICHOTOMOUS[0], DICHOTOMOUS[1]]


def _reader_session(stat) -> str:
    return f"{stat.reader} (S{stat.sessions})"


def _pair(stat) -> str:
    return f"{stat.reader} vs {stat.comparator}"


def _difference(stat) -> str:
    return f"{stat.reader} − {stat.comparator}"


# name, title (with {cases}), analysis, statistic, row label, x label, x range
FORESTS = [
    ("forest_ac2", "Gwet AC2 (linear) vs reference, 4-grade, {cases} cases",
     "agreement_reference", "gwet_ac2_linear", _reader_session, "AC2 (95% CI)", None),
    ("forest_recall", "Detection recall, {cases} cases", "recall", "recall",
     lambda s: s.reader, "Recall (95% CI)", (0.0, 1.0)),
    ("forest_model_vs_radiologists", "Model − radiologist, AC2 (linear), 4-grade, {cases} cases",
     "model_vs_radiologist", "gwet_ac2_linear", _difference, "Difference (95% CI)", None),
    ("forest_ai_vs_unaided", "AI-assisted − unaided, AC2 (linear), {cases} cases",
     "ai_vs_unaided", "gwet_ac2_linear", lambda s: s.reader, "Difference (95% CI)", None),
]  # fmt: skip
# name, title, analysis, coefficient columns, row label
GRIDS = [
    ("forest_agreement_4grade", "Agreement with the reference, 4-grade, {cases} cases (95% CI)",
     "agreement_reference", FOUR_GRADE, _reader_session),
    ("forest_agreement_dichotomous",
     "Agreement with the reference, dichotomous, {cases} cases (95% CI)",
     "agreement_reference", DICHOTOMOUS, _reader_session),
    ("forest_interobserver", "Interobserver agreement, {cases} cases (95% CI)",
     "interobserver_pairwise", INTEROBSERVER, _pair),
]  # fmt: skip


def report_figures(analysis, stats, case_set: str) -> tuple:
    """The report's figures for one case set (the primary one: all cases)."""
    spec = analysis.spec
    region_label = {r.code: r.label for r in spec.regions} | {OVERALL: "Overall"}

    def rows(analysis_name, statistic, label, scale=None):
        chosen = [
            s for s in stats
            if (s.analysis, s.statistic, s.case_set, s.variance)
            == (analysis_name, statistic, case_set, "cluster")
            and (scale is None or s.scale == scale)
        ]  # fmt: skip
        return [
            {
                "label": label(s),
                "group": region_label.get(s.region, s.region),
                "estimate": s.estimate,
                "ci_low": s.ci_low,
                "ci_high": s.ci_high,
            }
            for s in sorted(chosen, key=lambda s: regions_first(s.region))
        ]

    out = []
    for name, title, analysis_name, statistic, label, xlabel, xlim in FORESTS:
        found = rows(analysis_name, statistic, label)
        if found:
            title = title.format(cases=case_set)
            out.append(figs.forest_plot(found, name=name, title=title, xlabel=xlabel, xlim=xlim))
    for name, title, analysis_name, columns, label in GRIDS:
        panels = [
            (column, found)
            for column, (scale, statistic) in columns
            if (found := rows(analysis_name, statistic, label, scale))
        ]
        if panels:
            out.append(figs.forest_panels(panels, name=name, title=title.format(cases=case_set)))
    labels = [g.label for g in spec.scale]
    panels = [
        {"label": f"{name} · {region_label[region]}", "counts": counts}
        for cases, region, name, counts in confusion_matrices(
            analysis.grades, analysis.plan, len(labels)
        )
        if cases == case_set and region != OVERALL
    ]
    if panels:
        title = f"Reader (columns) vs reference (rows), 4-grade counts, {case_set} cases"
        out.append(
            figs.confusion_heatmaps(panels, name="confusion", categories=labels, title=title)
        )
    return tuple(out)
