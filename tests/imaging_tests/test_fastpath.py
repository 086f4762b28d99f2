"""The WSGI fast path for token-authenticated frames answers exactly as the Django view does."""

from __future__ import annotations

import email

import pytest
from django.test import RequestFactory

from readerstudy.imaging.fastpath import FramesFastPath
from readerstudy.imaging.models import Instance
from tests.conftest import client_for, token_for
from tests.dicom_files import case_datasets

pytestmark = pytest.mark.django_db


class Django:
    """Stands in for the wrapped Django application and records what reached it."""

    def __init__(self):
        self.calls = []

    def __call__(self, environ, start_response):
        self.calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django"]


def call(app, path, method="GET", **headers):
    environ = RequestFactory().generic(method, path, **headers).environ
    captured = {}

    def start_response(status, header_list):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(header_list)

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


def frames_url(instance, frames="1"):
    case = instance.series.case
    return (
        f"/dicomweb/studies/{case.study_instance_uid}/series/{instance.series.series_instance_uid}"
        f"/instances/{instance.sop_instance_uid}/frames/{frames}"
    )


def parts(headers, body):
    message = email.message_from_bytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body
    )
    return [part.get_payload(decode=True) for part in message.get_payload()]


@pytest.fixture
def instance(cast):
    return (
        Instance.objects.filter(series__case=cast.alpha.cases[0])
        .order_by("instance_number")
        .first()
    )


def test_a_readers_token_gets_the_original_pixels_without_reaching_django(cast, instance):
    inner = Django()
    token = f"Token {token_for(cast.reader_a)}"
    status, headers, body = call(
        FramesFastPath(inner), frames_url(instance), HTTP_AUTHORIZATION=token
    )
    assert status == 200 and inner.calls == []
    assert parts(headers, body) == [case_datasets("alpha-p1")[0].PixelData]
    view = client_for(cast.reader_a).get(frames_url(instance))
    assert headers["ETag"] == view["ETag"] and headers["Cache-Control"] == view["Cache-Control"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("who", "expected"), [("reader_b", 404), ("outsider", 404), ("coordinator", 200)]
)
def test_the_fast_path_applies_the_same_visibility_rule(cast, instance, who, expected):
    user = {
        "reader_b": cast.reader_b,
        "outsider": cast.outsider,
        "coordinator": cast.alpha.coordinator,
    }[who]
    token = f"Token {token_for(user)}"
    status, headers, body = call(
        FramesFastPath(Django()), frames_url(instance), HTTP_AUTHORIZATION=token
    )
    assert status == expected
    if expected == 404:
        assert b'"error"' in body and "immutable" not in headers["Cache-Control"]


def test_a_bad_token_is_401_and_etags_406_and_ranges_behave(cast, instance):
    app = FramesFastPath(Django())
    status, headers, _ = call(app, frames_url(instance), HTTP_AUTHORIZATION="Token nope")
    assert status == 401 and headers["WWW-Authenticate"] == "Token"
    token = f"Token {token_for(cast.reader_a)}"
    _, first, _ = call(app, frames_url(instance), HTTP_AUTHORIZATION=token)
    status, _, body = call(
        app, frames_url(instance), HTTP_AUTHORIZATION=token, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert status == 304 and body == b""
    jpeg = (
        'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.50'
    )
    assert call(app, frames_url(instance), HTTP_AUTHORIZATION=token, HTTP_ACCEPT=jpeg)[0] == 406
    assert call(app, frames_url(instance, "2"), HTTP_AUTHORIZATION=token)[0] == 404


@pytest.mark.parametrize(
    ("path_suffix", "method", "authorization"),
    [("/frames/1", "GET", None), ("/frames/1", "POST", "token"), ("/metadata", "GET", "token")],
)
def test_everything_else_goes_to_django(cast, instance, path_suffix, method, authorization):
    inner = Django()
    path = frames_url(instance).replace("/frames/1", path_suffix)
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(cast.reader_a)}"} if authorization else {}
    call(FramesFastPath(inner), path, method=method, **headers)
    assert inner.calls == [path]


def test_the_deployed_wsgi_application_is_wrapped():
    from readerstudy.wsgi import application

    assert isinstance(application, FramesFastPath)


def test_a_deactivated_users_token_is_refused_with_401(cast, instance):
    token = f"Token {token_for(cast.reader_a)}"
    cast.reader_a.is_active = False
    cast.reader_a.save(update_fields=["is_active"])
    status, headers, _ = call(
        FramesFastPath(Django()), frames_url(instance), HTTP_AUTHORIZATION=token
    )
    assert status == 401 and headers["WWW-Authenticate"] == "Token"


def test_the_same_frame_request_gets_the_same_bytes_and_a_boundary_absent_from_the_pixels(
    cast, instance
):
    app = FramesFastPath(Django())
    token = f"Token {token_for(cast.reader_a)}"
    _, headers, body = call(app, frames_url(instance), HTTP_AUTHORIZATION=token)
    assert call(app, frames_url(instance), HTTP_AUTHORIZATION=token)[2] == body
    boundary = headers["Content-Type"].split("boundary=")[1].encode()
    (pixels,) = parts(headers, body)
    assert boundary not in pixels and body.count(b"--" + boundary) == 2


def test_the_frame_lookup_takes_exactly_one_kind_of_caller(cast, instance):
    from readerstudy.imaging.selectors import visible_frame_source

    uids = {
        "study_uid": instance.series.case.study_instance_uid,
        "series_uid": instance.series.series_instance_uid,
        "instance_uid": instance.sop_instance_uid,
    }
    with pytest.raises(TypeError, match="exactly one"):
        visible_frame_source(**uids)
    with pytest.raises(TypeError, match="exactly one"):
        visible_frame_source(**uids, user_id=cast.reader_a.pk, token=token_for(cast.reader_a))
    by_id = visible_frame_source(**uids, user_id=cast.reader_a.pk)
    assert by_id is not None and by_id == visible_frame_source(
        **uids, token=token_for(cast.reader_a)
    )
