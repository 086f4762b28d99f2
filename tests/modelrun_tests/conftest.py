"""A study read by the shipped DL model: two phantom cases with truth, two sessions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from readerstudy.audit.services import Actor


@pytest.fixture(scope="session")
def phantom_cases(tmp_path_factory):
    from fixtures.phantom import generate_studies

    out = tmp_path_factory.mktemp("model-phantom")
    studies = generate_studies(n=2, seed=23, out_dir=out / "dicom", workers=1)
    truth_dir = out / "truth"
    truth_dir.mkdir()
    for study in studies:
        (truth_dir / study.truth_path.name).write_text(json.dumps(study.truth))
    return [s.dicom_dir for s in studies], truth_dir


@pytest.fixture
def model_study(db, phantom_cases):
    from django.contrib.auth import get_user_model

    from inference.runner import predictor
    from readerstudy.imaging.services import dicom_import
    from readerstudy.studies import services

    users = get_user_model().objects
    coordinator = users.create_user("mona", password="pw-mona")
    actor = Actor(user=coordinator)
    study = services.study_create(actor=actor, slug="dl", name="DL")
    statistician = users.create_user("stan", password="pw-stan")
    services.membership_add(actor=actor, study=study, username="stan", role="statistician")
    reader_user = users.create_user("hugo", password="pw-hugo")
    human = services.reader_add_human(actor=actor, study=study, username="hugo")
    services.reference_designate(actor=actor, study=study, reader=human)
    info = predictor().info
    model = services.reader_add_model(
        actor=actor,
        study=study,
        name="model",
        model_version=info.version,
        weights_sha256=info.weights_sha256,
    )
    paths, truth_dir = phantom_cases
    report = dicom_import(actor=actor, study=study, paths=paths, truth_dir=truth_dir)
    assert not report.rejected
    now = timezone.now()
    sessions = {}
    for number, opens in ((1, now - timedelta(days=1)), (2, now + timedelta(days=30))):
        sessions[number] = services.session_create(
            actor=actor, study=study, number=number, opens_at=opens, seed=number
        )
        services.session_assign(actor=actor, session=sessions[number])
    services.study_transition(actor=actor, study=study, to_state="open")
    study.refresh_from_db()
    return {
        "study": study,
        "coordinator": coordinator,
        "statistician": statistician,
        "reader_user": reader_user,
        "model": model,
        "sessions": sessions,
    }
