"""One small demo study, seeded and exported once per module, then rolled back.

The demo is real: phantom cases through the DICOM import, simulated reads for the reference
and two readers, and the DL model's own reads. Its model reader is renamed to a formula, so
every export is also checked against CSV/formula injection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

INJECTED = "=cmd|' /C calc'!A0"
SEED, BOOTSTRAP = 3, 60


@dataclass
class Exported:
    out: Path  # written by `manage.py agreement_report`
    again: dict  # the same data and seed, built a second time: path → bytes
    reads: list  # the tidy reads


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker, tmp_path_factory) -> Exported:
    from grading.reports.build import build_report
    from grading.reports.selectors import report_inputs
    from readerstudy.studies.models import Reader, Study

    media = tmp_path_factory.mktemp("media")
    out = tmp_path_factory.mktemp("report")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, BLINDED_STORE=media / "blinded", UPLOAD_STAGING=media / "staging"
        ),
        transaction.atomic(),
    ):
        call_command("seed_demo", "--patients", "4", "--external", "3", "--seed", "5", verbosity=0)
        Reader.objects.filter(study__slug="demo", name="model").update(name=INJECTED)
        call_command(
            "agreement_report",
            "--study",
            "demo",
            "--out",
            str(out),
            "--seed",
            str(SEED),
            "--bootstrap",
            str(BOOTSTRAP),
            verbosity=0,
        )
        inputs = report_inputs(Study.objects.get(slug="demo"))
        again = build_report(inputs, seed=SEED, bootstrap=BOOTSTRAP).files
        transaction.set_rollback(True)
    return Exported(out=out, again=again, reads=inputs.reads)
