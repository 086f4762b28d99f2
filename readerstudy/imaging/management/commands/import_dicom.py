from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from readerstudy.api_errors import ApplicationError
from readerstudy.audit.services import Actor
from readerstudy.imaging.services import dicom_import
from readerstudy.studies.models import Study


class Command(BaseCommand):
    help = "Import DICOM folders, zips or files into a study, blinded; one case per patient."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--study", required=True, metavar="SLUG")
        parser.add_argument("--case-set", default="internal", metavar="NAME")
        parser.add_argument("--truth", type=Path, metavar="DIR", help="phantom truth JSON folder")
        parser.add_argument(
            "--skip-rejected",
            action="store_true",
            help="import the acceptable cases even if some files are rejected",
        )

    def handle(self, *args, **options):
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['study']!r}.")
        try:
            report = dicom_import(
                actor=Actor.system("import_dicom"),
                study=study,
                paths=options["paths"],
                case_set=options["case_set"],
                truth_dir=options["truth"],
                skip_rejected=options["skip_rejected"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for rejection in report.rejected:
            self.stderr.write(f"rejected {rejection.name}: {rejection.message} [{rejection.code}]")
        for case in report.cases:
            series = ", ".join(f"{label} {n}" for label, n in sorted(case.series.items()))
            state = "new" if case.created else "existing"
            self.stdout.write(
                f"case {case.code} ({state}): {case.instances_added} instances added"
                f"{f' ({series})' if series else ''}, {case.instances_present} already present"
                f"{f', truth for {case.truth_sites} sites' if case.truth_sites else ''}"
            )
        if report.aborted:
            raise CommandError(
                f"Nothing was imported: {len(report.rejected)} file(s) rejected. "
                "Fix them, or pass --skip-rejected to import the acceptable cases."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.instances_added} instances into {len(report.cases)} case(s)."
            )
        )
