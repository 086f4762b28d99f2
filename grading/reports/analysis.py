"""Every statistic of a report, per the plan (:mod:`grading.reports.plan`): which units,
which raters, which CLI input file.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import pandas as pd

from grading.reports import compute
from grading.reports.plan import SessionChoice, make_plan
from grading.reports.selectors import ReportInputs
from grading.reports.stat import Stat, command
from grading.reports.units import (
    OVERALL,
    SCALES,
    detection_table,
    grade_table,
    in_case_set,
    in_region,
    master_grades,
    proportion_table,
    rater_column,
    reads_frame,
)


class Analysis:
    """Computes every statistic; collects them with the ``cli/`` files they came from."""

    def __init__(
        self,
        inputs: ReportInputs,
        *,
        seed: int,
        bootstrap: int,
        choice: SessionChoice | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.inputs, self.seed, self.bootstrap = inputs, seed, bootstrap
        self.frame = reads_frame(inputs.reads)
        self.plan = make_plan(
            reference=inputs.reference,
            sessions={s.number for s in inputs.sessions},
            frame=self.frame,
            choice=choice or SessionChoice(),
        )
        self.spec = inputs.spec
        self.progress = progress or (lambda done, total: None)
        self.files: dict[str, str] = {}
        self.cache: dict = {}  # Ratings per (unit table, raters): shared by coefficients
        self.stats: list[Stat] = []
        self.grades: dict[tuple[str, str, str], pd.DataFrame] = {}
        self.regions = (*(r.code for r in self.spec.regions), OVERALL)

    # ---- helpers ------------------------------------------------------------------------

    def col(self, reader: str, session: int) -> str:
        return rater_column(reader, session)

    def has(self, column: str) -> bool:
        return column in self.all_raters

    def grade_path(self, case_set: str, region: str, scale: str) -> str:
        return f"cli/grades_{case_set}_{region}_{compute.SCALE_TAG[scale]}.csv"

    def base(self, analysis, case_set, region, scale, statistic, reader, comparator, sessions):
        return Stat(analysis, case_set, region, scale, statistic, reader, comparator, sessions)

    def keep(self, stat: Stat) -> Stat:
        self.stats.append(stat)
        return stat

    # ---- unit tables --------------------------------------------------------------------

    def build_units(self) -> None:
        from grading.reports.units import cli_csv

        self.all_raters = sorted(set(self.frame["rater"]), key=self._rater_order)
        sites = [s.code for s in self.spec.sites]
        master = master_grades(self.frame, raters=self.all_raters, site_order=sites)
        for case_set in self.plan.case_sets:
            for region in self.regions:
                for scale in SCALES:
                    table = grade_table(
                        master,
                        case_set=case_set,
                        region=region,
                        scale=scale,
                        threshold=self.spec.dichotomy_threshold,
                    )
                    self.grades[(case_set, region, scale)] = table
                    self.files[self.grade_path(case_set, region, scale)] = cli_csv(table)

    def _rater_order(self, column: str):
        reader, _, session = column.rpartition("@s")
        return (reader, int(session))

    # ---- analyses -----------------------------------------------------------------------

    def run(self) -> list[Stat]:
        steps = [
            self.build_units,
            self.agreement_with_reference,
            self.recall,
            self.interobserver,
            self.intraobserver,
            self.model_vs_radiologists,
            self.ai_vs_unaided,
            self.reading_time,
        ]
        for done, step in enumerate(steps):
            self.progress(done, len(steps))
            step()
        self.progress(len(steps), len(steps))
        return self.stats

    def agreement_with_reference(self) -> None:
        p, ref = self.plan, self.plan.reference
        arms = [(p.primary, name) for name in p.readers]
        if p.ai is not None:
            arms += [(p.ai, name) for name in p.readers if self.has(self.col(name, p.ai))]
        for case_set in p.case_sets:
            for region in self.regions:
                for scale in SCALES:
                    key = (case_set, region, scale)
                    table, path = self.grades[key], self.grade_path(*key)
                    for session, name in arms:
                        reader = self.col(name, session)
                        for statistic, coefficient, weights in compute.AGREEMENT[scale]:
                            stat = self.base(
                                "agreement_reference",
                                case_set,
                                region,
                                scale,
                                statistic,
                                name,
                                p.reference_name,
                                str(session),
                            )
                            self.keep(
                                compute.agreement(
                                    stat,
                                    table,
                                    path,
                                    raters=[ref, reader],
                                    scale=scale,
                                    coefficient=coefficient,
                                    cache=self.cache,
                                    weights=weights,
                                )
                            )
                    if scale == "dichotomous":
                        self._sensitivity_specificity(case_set, region, arms)

    def _sensitivity_specificity(self, case_set, region, arms) -> None:
        grades = self.grades[(case_set, region, "dichotomous")]
        raters = [self.col(name, session) for session, name in arms]
        for statistic, positive in (("sensitivity", True), ("specificity", False)):
            table = proportion_table(
                grades, reference=self.plan.reference, raters=raters, positive=positive
            )
            path = f"cli/{statistic}_{case_set}_{region}.csv"
            from grading.reports.units import cli_csv

            self.files[path] = cli_csv(table)
            for session, name in arms:
                stat = self.base(
                    "agreement_reference",
                    case_set,
                    region,
                    "dichotomous",
                    statistic,
                    name,
                    self.plan.reference_name,
                    str(session),
                )
                self.keep(compute.proportion(stat, table, path, column=self.col(name, session)))

    def recall(self) -> None:
        from grading.reports.recall import findings_and_marks
        from grading.reports.units import cli_csv

        findings, marks, source = findings_and_marks(self.inputs, self.frame, self.plan)
        self.recall_source = source
        self.recall_tables: dict[tuple[str, str], pd.DataFrame] = {}
        if findings.empty:
            return
        p = self.plan
        names = [*p.readers] + ([p.reference_name] if source == "truth" else [])
        raters = [self.col(n, p.primary) if n != p.reference_name else p.reference for n in names]
        tolerance = {r.code: r.tolerance_mm for r in self.spec.regions}
        read = self.frame[["rater", "case"]].drop_duplicates()
        for case_set in p.case_sets:
            for region in self.regions:
                chosen = in_region(in_case_set(findings, case_set), region)
                table = detection_table(chosen, marks, read, raters=raters, tolerance_mm=tolerance)
                path = f"cli/recall_{case_set}_{region}.csv"
                self.files[path] = cli_csv(table)
                self.recall_tables[(case_set, region)] = table
                for name, rater in zip(names, raters, strict=True):
                    session = rater.rpartition("@s")[2]
                    stat = self.base(
                        "recall", case_set, region, "", "recall", name, source, session
                    )
                    self.keep(compute.proportion(stat, table, path, column=rater))

    def interobserver(self) -> None:
        p = self.plan
        humans = [
            self.col(n, p.primary) if n != p.reference_name else p.reference for n in p.humans
        ]
        for case_set in p.case_sets:
            for region in self.regions:
                for scale in SCALES:
                    key = (case_set, region, scale)
                    table, path = self.grades[key], self.grade_path(*key)
                    for a, b in combinations(humans, 2):
                        for statistic, coefficient, weights in compute.AGREEMENT[scale][:2]:
                            stat = self.base(
                                "interobserver_pairwise",
                                case_set,
                                region,
                                scale,
                                statistic,
                                _name(a),
                                _name(b),
                                _sessions(a, b),
                            )
                            self.keep(
                                compute.agreement(
                                    stat,
                                    table,
                                    path,
                                    raters=[a, b],
                                    scale=scale,
                                    coefficient=coefficient,
                                    cache=self.cache,
                                    weights=weights,
                                )
                            )
                    if len(humans) > 2:
                        for statistic, coefficient, weights in compute.MULTI[scale]:
                            stat = self.base(
                                "interobserver_multirater",
                                case_set,
                                region,
                                scale,
                                statistic,
                                "+".join(_name(h) for h in humans),
                                "",
                                str(p.primary),
                            )
                            self.keep(
                                compute.agreement(
                                    stat,
                                    table,
                                    path,
                                    raters=humans,
                                    scale=scale,
                                    coefficient=coefficient,
                                    cache=self.cache,
                                    weights=weights,
                                    complete=False,
                                )
                            )

    def intraobserver(self) -> None:
        p = self.plan
        if p.repeat is None:
            return
        names = [
            n
            for n in p.readers
            if self.has(self.col(n, p.primary)) and self.has(self.col(n, p.repeat))
        ]
        for case_set in p.case_sets:
            for region in self.regions:
                for scale in SCALES:
                    key = (case_set, region, scale)
                    table, path = self.grades[key], self.grade_path(*key)
                    for name in names:
                        pair = [self.col(name, p.primary), self.col(name, p.repeat)]
                        for statistic, coefficient, weights in compute.AGREEMENT[scale][:2]:
                            stat = self.base(
                                "intraobserver",
                                case_set,
                                region,
                                scale,
                                statistic,
                                name,
                                name,
                                f"{p.primary} vs {p.repeat}",
                            )
                            self.keep(
                                compute.agreement(
                                    stat,
                                    table,
                                    path,
                                    raters=pair,
                                    scale=scale,
                                    coefficient=coefficient,
                                    cache=self.cache,
                                    weights=weights,
                                )
                            )

    def model_vs_radiologists(self) -> None:
        p, ref = self.plan, self.plan.reference
        radiologists = [n for n in p.readers if n not in p.models]
        for case_set in p.case_sets:
            family: list[Stat] = []
            for model in p.models:
                m = self.col(model, p.primary)
                for name in radiologists:
                    r = self.col(name, p.primary)
                    family += self._paired(
                        case_set,
                        "model_vs_radiologist",
                        model,
                        name,
                        (m, ref),
                        (r, ref),
                        str(p.primary),
                    )
                    family += self._recall_pairs(case_set, model, name, m, r)
            self._holm(family, f"model_vs_radiologists_{case_set}")

    def ai_vs_unaided(self) -> None:
        p, ref = self.plan, self.plan.reference
        if p.ai is None:
            return
        names = [
            n for n in p.readers if self.has(self.col(n, p.ai)) and self.has(self.col(n, p.primary))
        ]
        for case_set in p.case_sets:
            family: list[Stat] = []
            for name in names:
                family += self._paired(
                    case_set,
                    "ai_vs_unaided",
                    name,
                    name,
                    (self.col(name, p.ai), ref),
                    (self.col(name, p.primary), ref),
                    f"{p.ai} vs {p.primary}",
                )
            self._holm(family, f"ai_vs_unaided_{case_set}")

    def reading_time(self) -> None:
        from grading.agreement.timing import time_summary
        from grading.reports.tables import time_rows
        from grading.reports.units import cli_csv

        p = self.plan
        for case_set in p.case_sets:
            times = time_rows(self.frame, case_set)
            path = f"cli/times_{case_set}.csv"
            self.files[path] = cli_csv(times)
            summary_cmd = command("time-summary", "--input", path, "--by", "reader,session,arm")
            for group in time_summary(times, by=("reader", "session", "arm")):
                stat = self.base(
                    "reading_time",
                    case_set,
                    "",
                    "",
                    "median_seconds",
                    group["reader"],
                    "",
                    group["session"],
                )
                stat.estimate, stat.n_subjects = group["median"], group["n"]
                stat.command, stat.fields = summary_cmd, {"estimate": "median", "n_subjects": "n"}
                stat.select = {
                    "list": "groups",
                    "match": {k: group[k] for k in ("reader", "session", "arm")},
                }
                self.keep(stat)
            if p.ai is None:
                continue
            paired = times[
                times["session"].isin([p.primary, p.ai])
                & times["reader"].isin([n for n in p.readers if n not in p.models])
            ]
            if paired["session"].nunique() < 2:
                continue
            path = f"cli/times_arms_{case_set}.csv"
            self.files[path] = cli_csv(paired.reset_index(drop=True))

            def make(statistic, case_set=case_set):
                return self.base(
                    "reading_time",
                    case_set,
                    "",
                    "",
                    statistic,
                    "all readers",
                    "",
                    f"{p.ai} vs {p.primary}",
                )

            for stat in compute.time_tests(make, paired, path, ("unaided", "ai_assisted")):
                self.keep(stat)

    def _paired(self, case_set, analysis, reader, comparator, pair_a, pair_b, sessions):
        """Headline coefficient differences per region and scale: the clustered test (in the
        Holm family) and, as a sensitivity analysis, the patient-level cluster bootstrap."""
        tested = []
        for region in self.regions:
            for scale in SCALES:
                key = (case_set, region, scale)
                table, path = self.grades[key], self.grade_path(*key)
                statistic, coefficient, weights = compute.HEADLINE[scale]
                common = dict(
                    pair_a=pair_a,
                    pair_b=pair_b,
                    scale=scale,
                    coefficient=coefficient,
                    weights=weights,
                    cache=self.cache,
                )
                identity = (analysis, case_set, region, scale, statistic, reader, comparator)
                stat = self.base(*identity, sessions)
                tested.append(self.keep(compute.difference(stat, table, path, **common)))
                if self.bootstrap > 0:
                    seed = compute.derived_seed(self.seed, stat.id)
                    boot = compute.difference(
                        self.base(*identity, sessions),
                        table,
                        path,
                        **common,
                        variance="bootstrap",
                        bootstrap=self.bootstrap,
                        seed=seed,
                    )
                    self.keep(boot)
        return tested

    def _recall_pairs(self, case_set, model, name, m, r) -> list[Stat]:
        tested = []
        for region in self.regions:
            table = getattr(self, "recall_tables", {}).get((case_set, region))
            if table is None or m not in table or r not in table:
                continue
            stat = self.base(
                "model_vs_radiologist",
                case_set,
                region,
                "",
                "recall",
                model,
                name,
                str(self.plan.primary),
            )
            path = f"cli/recall_{case_set}_{region}.csv"
            tested.append(self.keep(compute.recall_difference(stat, table, path, a=m, b=r)))
        return tested

    def _holm(self, family: list[Stat], name: str) -> None:
        path = f"cli/holm_{name}.csv"
        text = compute.holm_family(family, path, name)
        if text:
            self.files[path] = text


def _name(column: str) -> str:
    return column.rpartition("@s")[0]


def _sessions(a: str, b: str) -> str:
    sa, sb = a.rpartition("@s")[2], b.rpartition("@s")[2]
    return sa if sa == sb else f"{sa} vs {sb}"
