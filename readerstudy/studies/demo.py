"""The demo study: phantom cases through the real ingest path, a cast of users, four
sessions, simulated reads and the DL model's reads, all through the same services as real use."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from fixtures.phantom import generate_studies
from grading.selectors import case_geometry
from grading.services import read_submit
from grading.simulation import GENERATOR, SeriesImages, SimulatedReader, simulate_read
from inference.runner import model_jobs_execute, model_run_start, predictor
from readerstudy.audit.services import Actor
from readerstudy.imaging.services import dicom_import
from readerstudy.studies import services
from readerstudy.studies.models import Arm, Assignment, Case, Study

DEMO_SLUG = "demo"
PEOPLE = {
    "coordinator": "coordinator",
    "statistician": "statistician",
    "reference": "reader",
    "reader1": "reader",
    "reader2": "reader",
    "reader3": "reader",
}
# The model reader is the shipped DL model (inference/weights), run in-process on its
# assignments through the same grading service as people.
MODEL_READER = "model"

SIMULATED = {
    "reference": SimulatedReader("reference", severity_sd=0.22, mark_sd_mm=0.6, miss_rate=0.01),
    "reader2": SimulatedReader("reader2", severity_sd=0.32, mark_sd_mm=0.8, miss_rate=0.03),
    "reader3": SimulatedReader("reader3", severity_sd=0.42, mark_sd_mm=1.0, miss_rate=0.06),
}


def password_for(username: str) -> str:
    return f"demo-{username}"


@dataclass
class DemoSummary:
    study: Study
    cases: int
    reads: int
    seconds: float


def _users() -> dict:
    users = {}
    model = get_user_model()
    for username in PEOPLE:
        user, created = model.objects.get_or_create(username=username)
        if created:
            user.set_password(password_for(username))
            user.save()
        users[username] = user
    # The coordinator may create studies and browse the (read-only) admin.
    coordinator = users["coordinator"]
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    coordinator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["studies", "grading", "audit", "imaging", "accounts"],
            codename__startswith="view_",
        ),
        Permission.objects.get(codename="add_study"),
    )
    return users


def _series_by_label(case: Case) -> dict[str, SeriesImages]:
    geometry = case_geometry(case.pk)
    result = {}
    for series in case.series.prefetch_related("instances"):
        images = [
            (i.sop_instance_uid, geometry[i.sop_instance_uid])
            for i in series.instances.all()
            if i.sop_instance_uid in geometry
        ]
        result[series.label] = SeriesImages(series.label, images)
    return result


def _truth_for(case: Case) -> dict:
    return {
        "sites": [
            {**_split(t.site), "grade": t.grade, "keypoint_lps": t.keypoint_lps}
            for t in case.truth.all()
        ]
    }


def _split(code: str) -> dict:
    parts = code.split("/")
    return {"level": parts[0], "region": parts[1], "side": parts[2] if len(parts) > 2 else ""}


def _simulate_session_reads(*, session, names: list[str], truths: dict, seed: int) -> int:
    """Submit simulated reads for ``names`` in ``session``, backdated inside its window."""
    count = 0
    spec = session.study.protocol.spec
    now = timezone.now()
    assignments = (
        Assignment.objects.filter(session=session, reader__name__in=names)
        .select_related("reader", "case", "session__study__protocol")
        .order_by("reader__name", "position")
    )
    series_cache: dict[int, dict] = {}
    for assignment in assignments:
        reader = SIMULATED[assignment.reader.name]
        # One stream per (seed, session, reader, case): re-seeding reproduces every read.
        stream = f"{seed}:{session.number}:{reader.name}:{assignment.case.pk}".encode()
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(stream).digest()[:8], "big"))
        if assignment.case.pk not in series_cache:
            series_cache[assignment.case.pk] = _series_by_label(assignment.case)
        payload = simulate_read(
            truth=truths[assignment.case.pk],
            spec=spec,
            reader=reader,
            series_by_label=series_cache[assignment.case.pk],
            rng=rng,
        )
        window = min(now - session.opens_at, timedelta(days=21))
        opened = session.opens_at + window * float(rng.uniform(0.05, 0.9))
        duration = timedelta(seconds=float(rng.uniform(45, 240)))
        payload["active_seconds"] = round(
            duration.total_seconds() * float(rng.uniform(0.6, 0.95)), 1
        )
        provenance = {
            "simulated": True,
            "generator": GENERATOR,
            "seed": seed,
            "reader_model": {
                "severity_sd": reader.severity_sd,
                "mark_sd_mm": reader.mark_sd_mm,
                "miss_rate": reader.miss_rate,
            },
        }
        actor = (
            Actor(user=assignment.reader.user)
            if assignment.reader.user
            else Actor(label=f"model:{assignment.reader.name} {assignment.reader.model_version}")
        )
        read_submit(
            actor=actor,
            assignment=assignment,
            payload=payload,
            provenance=provenance,
            times=(opened, min(opened + duration, now)),
        )
        count += 1
    return count


def seed_demo(
    *, internal: int = 20, external: int = 10, seed: int = 7, workers: int = 2
) -> DemoSummary:
    """Create the demo study from scratch. Refuses if a study ``demo`` already exists."""
    started = timezone.now()
    if Study.objects.filter(slug=DEMO_SLUG).exists():
        raise ValueError("The demo study already exists.")
    users = _users()
    coordinator = Actor(user=users["coordinator"])
    study = services.study_create(
        actor=coordinator,
        slug=DEMO_SLUG,
        name="Demo: lumbar spinal stenosis on synthetic MRI",
        description=(
            f"{internal} internal and {external} external phantom patients (seed {seed}); "
            "simulated reads for reference, reader2 and reader3, real reads by the DL model; "
            "reader1 reads live."
        ),
    )
    with tempfile.TemporaryDirectory(prefix="readerstudy-demo-") as tmp:
        for case_set, n, is_external in (
            ("internal", internal, False),
            ("external", external, True),
        ):
            if n == 0:
                continue
            out = Path(tmp) / case_set
            phantoms = generate_studies(
                n=n, seed=seed, out_dir=out, external=is_external, workers=workers
            )
            truth_dir = Path(tmp) / f"{case_set}-truth"
            truth_dir.mkdir()
            for phantom in phantoms:
                (truth_dir / phantom.truth_path.name).write_text(json.dumps(phantom.truth))
            report = dicom_import(
                actor=coordinator,
                study=study,
                paths=[p.dicom_dir for p in phantoms],
                case_set=case_set,
                truth_dir=truth_dir,
            )
            if report.rejected:
                raise RuntimeError(f"Demo import rejected files: {report.rejected[:3]}")
    with transaction.atomic():
        services.membership_add(
            actor=coordinator, study=study, username="statistician", role="statistician"
        )
        readers = {
            name: services.reader_add_human(actor=coordinator, study=study, username=name)
            for name in ("reference", "reader1", "reader2", "reader3")
        }
        model = predictor().info
        readers[MODEL_READER] = services.reader_add_model(
            actor=coordinator,
            study=study,
            name=MODEL_READER,
            model_version=model.version,
            weights_sha256=model.weights_sha256,
        )
        services.reference_designate(actor=coordinator, study=study, reader=readers["reference"])
        s1_opens = started - timedelta(weeks=8)
        plan = [
            # number, arm, opens_at, who reads in it
            (
                1,
                Arm.UNAIDED,
                s1_opens,
                ["reference", "reader1", "reader2", "reader3", MODEL_READER],
            ),
            (2, Arm.UNAIDED, s1_opens + timedelta(weeks=4), ["reader1", "reader2", "reader3"]),
            (3, Arm.AI_ASSISTED, s1_opens + timedelta(weeks=6), ["reader1", "reader2", "reader3"]),
            (4, Arm.UNAIDED, started + timedelta(weeks=4), ["reader1", "reader2", "reader3"]),
        ]
        sessions = {}
        for number, arm, opens_at, names in plan:
            session = services.session_create(
                actor=coordinator,
                study=study,
                number=number,
                arm=arm,
                opens_at=opens_at,
                seed=seed * 100 + number,
            )
            services.session_assign(
                actor=coordinator, session=session, readers=[readers[n] for n in names]
            )
            sessions[number] = session
        services.study_transition(actor=coordinator, study=study, to_state="open")
    truths = {case.pk: _truth_for(case) for case in study.cases.prefetch_related("truth")}
    reads = 0
    for number, names in (
        (1, ["reference", "reader2", "reader3"]),
        (2, ["reader2", "reader3"]),
        (3, ["reader2", "reader3"]),
    ):
        with transaction.atomic():
            reads += _simulate_session_reads(
                session=sessions[number], names=names, truths=truths, seed=seed
            )
    run = model_run_start(actor=coordinator, study=study, enqueue=False)
    jobs = list(run.cases.order_by("id").values_list("pk", flat=True))
    for start in range(0, len(jobs), 8):  # batched across studies, as run_model does
        batch = jobs[start : start + 8]
        for job_id, status in zip(batch, model_jobs_execute(job_ids=batch), strict=True):
            if status != "done":
                error = run.cases.get(pk=job_id).error
                raise RuntimeError(f"The demo's model run failed: {error}")
            reads += 1
    return DemoSummary(
        study=study,
        cases=study.cases.count(),
        reads=reads,
        seconds=(timezone.now() - started).total_seconds(),
    )
