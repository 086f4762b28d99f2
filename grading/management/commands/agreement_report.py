from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grading.reports.build import build_report, write_files
from grading.reports.plan import PlanError, SessionChoice
from grading.reports.selectors import report_inputs
from readerstudy.studies.models import Study


class Command(BaseCommand):
    help = (
        "Write a study's agreement report and every export (reads.csv, marks.csv, "
        "statistics.csv/json, cli/, report.xlsx/html/pdf, formats/, manifest.json) to DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, metavar="SLUG")
        parser.add_argument("--out", required=True, metavar="DIR")
        parser.add_argument("--seed", type=int, default=20211, metavar="S")
        parser.add_argument(
            "--bootstrap",
            type=int,
            default=1000,
            metavar="B",
            help="cluster-bootstrap resamples for the paired differences (0: none)",
        )
        parser.add_argument("--session", type=int, metavar="N", help="primary unaided session")
        parser.add_argument("--repeat-session", type=int, metavar="N")
        parser.add_argument("--ai-session", type=int, metavar="N")

    def handle(self, *args, **options):
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['study']!r}.")
        if options["bootstrap"] < 0:
            raise CommandError("--bootstrap must be 0 or more.")
        choice = SessionChoice(options["session"], options["repeat_session"], options["ai_session"])
        started = time.perf_counter()
        try:
            built = build_report(
                report_inputs(study),
                seed=options["seed"],
                bootstrap=options["bootstrap"],
                choice=choice,
            )
        except PlanError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        write_files(built, out)
        seconds = time.perf_counter() - started
        statistics = len(built.report.table("statistics").rows)
        self.stdout.write(
            f"{len(built.files)} files, {statistics} statistics written to {out} in {seconds:.1f} s"
        )
