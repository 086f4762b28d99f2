from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from inference.models import RunStatus
from inference.runner import model_jobs_execute, model_run_start, model_run_sweep
from readerstudy.api_errors import ApplicationError
from readerstudy.audit.services import Actor
from readerstudy.studies.models import Study


class Command(BaseCommand):
    help = (
        "Run the study's model reader on its assignments in open sessions (or one session), "
        "in this process, submitting a read per case. Cases already read are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, metavar="SLUG")
        parser.add_argument("--session", type=int, metavar="N", help="only session N")
        parser.add_argument("--reader", metavar="NAME", help="the model reader, if several")
        parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
        parser.add_argument(
            "--batch", type=int, default=8, metavar="N", help="studies per batched prediction"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['study']!r}.")
        swept = model_run_sweep(enqueue=True)
        if swept:
            self.stderr.write(f"re-queued {swept} job(s) left running by a dead worker")
        try:
            run = model_run_start(
                actor=Actor.system("run_model"),
                study=study,
                session_number=options["session"],
                reader_name=options["reader"],
                device=options["device"],
                enqueue=False,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        jobs = list(run.cases.order_by("id").values_list("pk", flat=True))
        started = time.perf_counter()
        outcomes = {RunStatus.DONE: 0, RunStatus.FAILED: 0}
        batch = max(1, options["batch"])
        with tqdm(
            total=len(jobs),
            desc=f"{run.reader.name} {run.model_version}",
            unit="case",
            disable=options["no_progress"],
        ) as bar:
            for start in range(0, len(jobs), batch):
                for status in model_jobs_execute(job_ids=jobs[start : start + batch]):
                    outcomes[status] = outcomes.get(status, 0) + 1
                    bar.update(1)
        seconds = time.perf_counter() - started
        summary = (
            f"Run {run.pk}: {outcomes[RunStatus.DONE]} case(s) read, "
            f"{outcomes[RunStatus.FAILED]} failed, in {seconds:.1f} s on {run.device}."
        )
        if outcomes[RunStatus.FAILED]:
            first = run.cases.filter(status=RunStatus.FAILED).first()
            raise CommandError(f"{summary} First error: {first.error.splitlines()[0]}")
        self.stdout.write(self.style.SUCCESS(summary))
