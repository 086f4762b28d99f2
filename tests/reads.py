"""Building read payloads for tests: every site graded, marks where the protocol wants them."""

from __future__ import annotations

from readerstudy.imaging.models import Instance


def first_instance(case) -> Instance:
    return Instance.objects.filter(series__case=case).order_by("instance_number").first()


def read_payload(case, *, grade: int = 0, overrides: dict | None = None, spec=None) -> dict:
    """A valid submission: every site at ``grade`` (or ``overrides[site]``), marked if required."""
    spec = spec or case.study.protocol.spec
    overrides = overrides or {}
    instance = first_instance(case)
    grades, marks = [], []
    for site in spec.site_codes:
        value = overrides.get(site, grade)
        grades.append({"site": site, "grade": value})
        if spec.mark_required(value):
            marks.append(
                {"site": site, "sop_instance_uid": instance.sop_instance_uid, "image_xy": [4, 5]}
            )
    return {"grades": grades, "marks": marks, "active_seconds": 42.5}


def submit_all(cast, username, grade, overrides=None):
    """Submit ``username``'s reads of every alpha case in the open session through the API."""
    from readerstudy.studies.models import Assignment
    from tests.conftest import client_for

    user = cast.alpha.readers.get(username)
    for assignment in Assignment.objects.filter(reader__user=user, session=cast.alpha.open_session):
        response = client_for(user).post(
            f"/api/assignments/{assignment.code}/submit/",
            read_payload(assignment.case, grade=grade, overrides=overrides),
            format="json",
        )
        assert response.status_code == 201, response.content
