from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from readerstudy.studies.demo import DEMO_SLUG, seed_demo
from readerstudy.studies.models import Study


class Command(BaseCommand):
    help = "Create the demo study: phantom cases, users, sessions, simulated and model reads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients", type=int, default=20, help="internal patients (default 20)"
        )
        parser.add_argument(
            "--external",
            type=int,
            default=None,
            help="external patients (default: half of --patients)",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo exists")

    def handle(self, *args, **options):
        if Study.objects.filter(slug=DEMO_SLUG).exists():
            if options["if_empty"]:
                self.stdout.write("The demo study already exists; nothing to do.")
                return
            raise CommandError("The demo study already exists (start from an empty database).")
        if options["patients"] < 1:
            raise CommandError("--patients must be at least 1.")
        external = (
            options["external"] if options["external"] is not None else options["patients"] // 2
        )
        self.stdout.write(
            f"Seeding the demo: {options['patients']} internal + {external} external phantom patients…"
        )
        summary = seed_demo(internal=options["patients"], external=external, seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo study '{summary.study.slug}': {summary.cases} cases, {summary.reads} reads "
                f"(simulated people and the DL model), in {summary.seconds:.1f} s."
            )
        )
