"""Writes for the study domain. Keyword-only ``<entity>_<action>`` functions, each atomic,
each writing its audit event in the same transaction."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from grading.models import GradingProtocol
from grading.protocols import TEMPLATES, ProtocolError, ProtocolSpec
from readerstudy.accounts.models import Membership, Role
from readerstudy.api_errors import ApplicationError, Conflict
from readerstudy.audit.services import Actor, audit_record
from readerstudy.studies.models import (
    Arm,
    Assignment,
    Case,
    Reader,
    ReaderKind,
    ReadingSession,
    Study,
    StudyState,
)

ALLOWED_TRANSITIONS = {
    StudyState.DRAFT: {StudyState.OPEN},
    StudyState.OPEN: {StudyState.LOCKED},
    StudyState.LOCKED: set(),
}


def _protocol_from(*, template: str | None, definition: dict | None) -> GradingProtocol:
    if (template is None) == (definition is None):
        raise ApplicationError(
            "Give either a protocol template or a protocol definition.", code="protocol"
        )
    if template is not None:
        if template not in TEMPLATES:
            raise ApplicationError(
                f"Unknown protocol template {template!r}; known: {', '.join(sorted(TEMPLATES))}.",
                code="protocol",
                fields={"protocol_template": ["unknown template"]},
            )
        spec = TEMPLATES[template]
    else:
        try:
            spec = ProtocolSpec.from_json(definition)
        except ProtocolError as exc:
            raise ApplicationError(str(exc), code="protocol", fields={"protocol": [str(exc)]})
    return GradingProtocol.objects.create(
        name=spec.name, template=template or "", definition=spec.to_json()
    )


@transaction.atomic
def study_create(
    *,
    actor: Actor,
    slug: str,
    name: str,
    description: str = "",
    protocol_template: str | None = "lumbar-spinal-stenosis",
    protocol_definition: dict | None = None,
) -> Study:
    """Create a draft study with its own copy of the protocol; the creator coordinates it."""
    if Study.objects.filter(slug=slug).exists():
        raise Conflict(f"A study with slug {slug!r} already exists.", fields={"slug": ["taken"]})
    protocol = _protocol_from(
        template=None if protocol_definition is not None else protocol_template,
        definition=protocol_definition,
    )
    study = Study(slug=slug, name=name, description=description, protocol=protocol)
    study.full_clean()
    study.save()
    if actor.user is not None:
        Membership.objects.create(study=study, user=actor.user, role=Role.COORDINATOR)
    audit_record(
        actor=actor,
        action="study.create",
        obj=study,
        study=study,
        new={"slug": slug, "name": name, "protocol": protocol.name, "state": study.state},
    )
    return study


@transaction.atomic
def study_transition(*, actor: Actor, study: Study, to_state: str, reason: str = "") -> Study:
    """Move a study draft → open → locked. Opening needs cases, readers and a reference."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    if to_state not in ALLOWED_TRANSITIONS.get(study.state, set()):
        raise Conflict(
            f"A study in state {study.state!r} cannot move to {to_state!r}.", code="state"
        )
    if to_state == StudyState.OPEN:
        problems = []
        if not study.cases.exists():
            problems.append("it has no cases")
        if study.reference_reader_id is None:
            problems.append("no reference reader is designated")
        if not Assignment.objects.filter(session__study=study).exists():
            problems.append("no session has assignments")
        if problems:
            raise Conflict("The study cannot open: " + "; ".join(problems) + ".", code="state")
    old = study.state
    study.state = to_state
    study.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="study.state",
        obj=study,
        study=study,
        old={"state": old},
        new={"state": to_state},
        reason=reason,
    )
    return study


def _require_not_locked(study: Study) -> None:
    if study.state == StudyState.LOCKED:
        raise Conflict("The study is locked; nothing can change.", code="locked")


@transaction.atomic
def membership_add(
    *,
    actor: Actor,
    study: Study,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
) -> Membership:
    """Give a user a role in a study; with ``password`` a missing account is created."""
    _require_not_locked(study)
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", fields={"role": ["unknown role"]})
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        if not password:
            raise ApplicationError(
                f"No user {username!r}; give a password to create the account.",
                code="no_such_user",
                fields={"username": ["no such user"]},
            )
        user = user_model.objects.create_user(username=username, password=password, email=email)
    membership, created = Membership.objects.get_or_create(study=study, user=user, role=role)
    if created:
        audit_record(
            actor=actor,
            action="membership.add",
            obj=membership,
            study=study,
            new={"user": username, "role": role},
        )
    return membership


@transaction.atomic
def reader_add_human(*, actor: Actor, study: Study, username: str, name: str = "") -> Reader:
    """Make a study member a reader (adding the reader membership if missing)."""
    _require_not_locked(study)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(
            f"No user {username!r}.", code="no_such_user", fields={"username": ["no such user"]}
        )
    existing = Reader.objects.filter(study=study, user=user).first()
    if existing:
        return existing
    Membership.objects.get_or_create(study=study, user=user, role=Role.READER)
    try:
        with transaction.atomic():
            reader = Reader.objects.create(
                study=study, kind=ReaderKind.HUMAN, user=user, name=name or username
            )
    except IntegrityError:
        raise Conflict(f"A reader named {name or username!r} already exists in this study.")
    audit_record(
        actor=actor,
        action="reader.add",
        obj=reader,
        study=study,
        new={"kind": "human", "user": username, "name": reader.name},
    )
    return reader


@transaction.atomic
def reader_add_model(
    *, actor: Actor, study: Study, name: str, model_version: str, weights_sha256: str
) -> Reader:
    """Register a model reader; the same name with another version or hash is refused."""
    _require_not_locked(study)
    existing = Reader.objects.filter(study=study, name=name).first()
    if existing:
        if existing.kind != ReaderKind.MODEL or (
            existing.model_version,
            existing.weights_sha256,
        ) != (
            model_version,
            weights_sha256,
        ):
            # Versions are never mixed within a study: a new version is a new reader.
            raise Conflict(
                f"Reader {name!r} exists with another kind, version or weights hash.",
                code="reader_version",
            )
        return existing
    reader = Reader.objects.create(
        study=study,
        kind=ReaderKind.MODEL,
        name=name,
        model_version=model_version,
        weights_sha256=weights_sha256,
    )
    audit_record(
        actor=actor,
        action="reader.add",
        obj=reader,
        study=study,
        new={"kind": "model", "name": name, "version": model_version, "sha256": weights_sha256},
    )
    return reader


@transaction.atomic
def reference_designate(*, actor: Actor, study: Study, reader: Reader, reason: str = "") -> Study:
    study = Study.objects.select_for_update().get(pk=study.pk)
    if reader.study_id != study.pk:
        raise ApplicationError("The reader belongs to another study.", code="reader")
    if study.state != StudyState.DRAFT and not reason:
        raise ApplicationError(
            "Changing the reference of an open study needs a reason.",
            code="reason_required",
            fields={"reason": ["required once the study is open"]},
        )
    _require_not_locked(study)
    old = study.reference_reader.name if study.reference_reader else None
    study.reference_reader = reader
    study.save(update_fields=["reference_reader"])
    audit_record(
        actor=actor,
        action="reference.designate",
        obj=study,
        study=study,
        old={"reference_reader": old},
        new={"reference_reader": reader.name},
        reason=reason,
    )
    return study


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    study: Study,
    number: int,
    opens_at: datetime,
    arm: str = Arm.UNAIDED,
    seed: int | None = None,
) -> ReadingSession:
    _require_not_locked(study)
    if arm not in Arm.values:
        raise ApplicationError(f"Unknown arm {arm!r}.", fields={"arm": ["unknown arm"]})
    if ReadingSession.objects.filter(study=study, number=number).exists():
        raise Conflict(f"Session {number} already exists.", fields={"number": ["taken"]})
    session = ReadingSession.objects.create(
        study=study,
        number=number,
        arm=arm,
        opens_at=opens_at,
        seed=seed if seed is not None else random.SystemRandom().randrange(2**62),
    )
    audit_record(
        actor=actor,
        action="session.create",
        obj=session,
        study=study,
        new={"number": number, "arm": arm, "opens_at": opens_at.isoformat(), "seed": session.seed},
    )
    return session


def reader_permutation(
    *, session: ReadingSession, reader: Reader, case_ids: list[int]
) -> list[int]:
    """The reader's case order in a session: a shuffle seeded by (session seed, reader).

    Deterministic, so the stored positions can be re-derived and checked from the recorded
    seed; independent across readers and sessions.
    """
    digest = hashlib.sha256(f"{session.seed}:{reader.pk}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    order = sorted(case_ids)
    rng.shuffle(order)
    return order


@transaction.atomic
def session_assign(
    *,
    actor: Actor,
    session: ReadingSession,
    readers: list[Reader] | None = None,
    cases: list[Case] | None = None,
) -> list[Assignment]:
    """Assign cases to readers in a session, each reader in their own random order.

    Defaults to every reader and every case of the study. Cases a reader already has in the
    session are kept where they are; new ones are appended in permuted order.
    """
    study = session.study
    _require_not_locked(study)
    readers = list(readers) if readers is not None else list(study.readers.order_by("id"))
    cases = list(cases) if cases is not None else list(study.cases.order_by("id"))
    if any(r.study_id != study.pk for r in readers) or any(c.study_id != study.pk for c in cases):
        raise ApplicationError("Readers and cases must belong to the session's study.")
    cases_by_id = {case.pk: case for case in cases}
    created: list[Assignment] = []
    for reader in readers:
        existing = dict(
            Assignment.objects.filter(session=session, reader=reader).values_list(
                "case_id", "position"
            )
        )
        next_position = max(existing.values(), default=0) + 1
        new_case_ids = [c.pk for c in cases if c.pk not in existing]
        for offset, case_id in enumerate(
            reader_permutation(session=session, reader=reader, case_ids=new_case_ids)
        ):
            created.append(
                Assignment(
                    session=session,
                    reader=reader,
                    case=cases_by_id[case_id],
                    position=next_position + offset,
                )
            )
    Assignment.objects.bulk_create(created)
    if created:
        audit_record(
            actor=actor,
            action="assignment.create",
            obj=session,
            study=study,
            new={
                "session": session.number,
                "seed": session.seed,
                "count": len(created),
                # reader, case code, position, assignment code: enough to rebuild every order.
                "assignments": [[a.reader.name, a.case.code, a.position, a.code] for a in created],
            },
        )
    return created
