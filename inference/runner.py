"""The model as a study reader: walk its assignments, read the blinded store, submit reads.

Writes (services) for model runs. A run makes one job row per assignment of the study's
model reader in open sessions; each job is one ``django.tasks`` task (the database backend
and ``manage.py db_worker`` by default, the immediate backend in tests), and the command line
runs the same job function in-process with a progress bar. A job is idempotent: a case whose
read is already submitted is marked done without predicting again, so a crashed or resumed
run, or a task delivered twice, does no harm. :func:`model_run_sweep` re-queues jobs left
running by a worker that died.

The model sees only what a human reader sees: the blinded DICOM files of the assigned case.
It never queries truth, other readers' reads, the reference or the patient pseudonym (a
test records every SQL statement of a job to check this).
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grading.models import Read, ReadStatus
from grading.services import read_submit
from inference.models import ModelRun, ModelRunCase, RunStatus
from inference.to_read import provenance, read_payload
from readerstudy.api_errors import ApplicationError, Conflict
from readerstudy.audit.services import Actor, audit_record
from readerstudy.imaging.models import Instance
from readerstudy.studies.models import Assignment, Reader, ReaderKind, ReadingSession, Study

logger = logging.getLogger("readerstudy.inference")

STUCK_AFTER = timedelta(minutes=15)  # a job takes well under a second; 15 min means a dead worker


def predictor(device: str = "auto"):
    """The shipped model; ``load_reader`` loads it (and verifies its SHA-256) once per process."""
    from inference import load_reader

    return load_reader(device=device)


def model_reader_of(study: Study, name: str | None = None) -> Reader:
    readers = Reader.objects.filter(study=study, kind=ReaderKind.MODEL)
    if name:
        readers = readers.filter(name=name)
    found = list(readers[:2])
    if not found:
        raise ApplicationError(
            f"Study {study.slug!r} has no model reader{f' {name!r}' if name else ''}."
        )
    if len(found) > 1:
        raise ApplicationError("The study has several model readers: name one.")
    return found[0]


def model_run_start(
    *,
    actor: Actor,
    study: Study,
    session_number: int | None = None,
    reader_name: str | None = None,
    device: str = "auto",
    enqueue: bool = True,
) -> ModelRun:
    """Create a run over the model reader's assignments in open sessions (or one session).

    The loaded weights must be the ones the study registered for its model reader: a study
    never mixes model versions.
    """
    reader = model_reader_of(study, reader_name)
    model = predictor(device)
    if model.info.weights_sha256 != reader.weights_sha256:
        raise Conflict(
            f"The study registered {reader.name} with weights {reader.weights_sha256[:12]}…, "
            f"but the installed model has {model.info.weights_sha256[:12]}…; a study never "
            "mixes model versions.",
            code="model_version",
        )
    sessions = ReadingSession.objects.filter(study=study)
    if session_number is not None:
        session = sessions.filter(number=session_number).first()
        if session is None:
            raise ApplicationError(f"Study {study.slug!r} has no session {session_number}.")
        if not session.is_open:
            raise Conflict(f"Session {session_number} is not open yet.", code="session_not_open")
        sessions = sessions.filter(pk=session.pk)
    else:
        session = None
    assignments = Assignment.objects.filter(
        reader=reader, session__in=sessions, session__opens_at__lte=timezone.now()
    ).order_by("session__number", "position")
    with transaction.atomic():
        run = ModelRun.objects.create(
            study=study,
            reader=reader,
            session=session,
            model_version=model.info.version,
            weights_sha256=model.info.weights_sha256,
            device=model.device.type,
            created_by=actor.user,
        )
        jobs = ModelRunCase.objects.bulk_create(
            ModelRunCase(run=run, assignment=assignment) for assignment in assignments
        )
        audit_record(
            actor=actor,
            action="model_run.start",
            obj=run,
            study=study,
            new={"reader": reader.name, "session": session_number, "cases": len(jobs)},
        )
        if enqueue:
            from inference.tasks import run_model_job

            ids = [job.pk for job in jobs]
            transaction.on_commit(lambda: [run_model_job.enqueue(job_id) for job_id in ids])
    return run


def _claim(job_id: int) -> ModelRunCase | None:
    """Queued → running, atomically; None if another worker has it or it is finished."""
    claimed = ModelRunCase.objects.filter(pk=job_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    # Not the case row: the model needs its images, never its pseudonym or truth.
    return ModelRunCase.objects.select_related(
        "run", "run__reader", "assignment__session__study__protocol"
    ).get(pk=job_id)


def _finish(job: ModelRunCase, status: str, *, started: float, error: str = "") -> None:
    ModelRunCase.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=timezone.now(),
        wall_seconds=round(time.perf_counter() - started, 4),
        error=error,
    )


def case_files(assignment: Assignment) -> list:
    """The blinded store's files of the assigned case: all the model is given to read."""
    paths = Instance.objects.filter(series__case_id=assignment.case_id).values_list(
        "path", flat=True
    )
    return [settings.BLINDED_STORE / path for path in paths]


def model_job_execute(*, job_id: int) -> str:
    """Run one job (a background task): predict the case and submit the read."""
    return model_jobs_execute(job_ids=[job_id])[0]


def model_jobs_execute(*, job_ids: list[int]) -> list[str]:
    """Run several jobs with one batched prediction across their studies.

    Returns each job's status, in order. A job another worker holds keeps its status; a case
    already read is done without predicting; a failure is recorded on its job only.
    """
    from inference import study_input_from_dicom

    statuses: dict[int, str] = {}
    todo: list[tuple[ModelRunCase, float, object]] = []
    for job_id in job_ids:
        job = _claim(job_id)
        if job is None:
            statuses[job_id] = (
                ModelRunCase.objects.filter(pk=job_id).values_list("status", flat=True).first()
            )
            continue
        started = time.perf_counter()
        assignment = job.assignment
        if Read.objects.filter(assignment=assignment, status=ReadStatus.SUBMITTED).exists():
            _finish(job, RunStatus.DONE, started=started)  # already read: idempotent
            statuses[job_id] = RunStatus.DONE
            continue
        try:
            todo.append((job, started, study_input_from_dicom(case_files(assignment))))
        except Exception as exc:
            statuses[job_id] = _fail(job, started, exc)
    if todo:
        device = todo[0][0].run.device
        model = predictor(device if device in ("cpu", "cuda") else "auto")
        outputs = model.predict_many([study for _, _, study in todo], batch_size=len(todo))
        for (job, started, _), output in zip(todo, outputs, strict=True):
            try:
                _submit(job, output)
            except Exception as exc:
                statuses[job.pk] = _fail(job, started, exc)
                continue
            _finish(job, RunStatus.DONE, started=started)
            statuses[job.pk] = RunStatus.DONE
    return [statuses[job_id] for job_id in job_ids]


def _submit(job: ModelRunCase, output) -> None:
    assignment = job.assignment
    read_submit(
        actor=Actor(label=f"model:{job.run.reader.name} {output.model_version}"),
        assignment=assignment,
        payload=read_payload(output, assignment.session.study.protocol.spec),
        provenance=provenance(output, job),
    )


def _fail(job: ModelRunCase, started: float, exc: Exception) -> str:
    """Record a failure on its job: the run goes on with the other cases."""
    logger.error("model job %s (assignment %s) failed: %s", job.pk, job.assignment.code, exc)
    _finish(
        job,
        RunStatus.FAILED,
        started=started,
        error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}",
    )
    return RunStatus.FAILED


def model_run_sweep(*, older_than: timedelta = STUCK_AFTER, enqueue: bool = True) -> int:
    """Re-queue jobs left running longer than ``older_than`` (their worker died)."""
    cutoff = timezone.now() - older_than
    stuck = list(
        ModelRunCase.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if not stuck:
        return 0
    ModelRunCase.objects.filter(pk__in=stuck, status=RunStatus.RUNNING).update(
        status=RunStatus.QUEUED, started_at=None
    )
    logger.warning("re-queued %d model job(s) left running since before %s", len(stuck), cutoff)
    if enqueue:
        from inference.tasks import run_model_job

        transaction.on_commit(lambda: [run_model_job.enqueue(job_id) for job_id in stuck])
    return len(stuck)
