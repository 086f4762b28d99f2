"""On PostgreSQL the frame fast path's hand-written query (DB-API placeholders) works too."""

from __future__ import annotations

import pytest
from django.db import connection

from readerstudy.imaging.fastpath import FramesFastPath
from tests.conftest import token_for
from tests.dicom_files import case_datasets
from tests.imaging_tests.test_fastpath import Django, call, frames_url, instance, parts

# Committed data, as deployed: the fast path closes obsolete connections itself, which would
# end a test's enclosing transaction.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["instance"]  # the fixture, imported for pytest


def test_postgres_serves_a_readers_frame_and_hides_it_from_others(cast, instance):
    assert connection.vendor == "postgresql"
    app = FramesFastPath(Django())
    status, headers, body = call(
        app, frames_url(instance), HTTP_AUTHORIZATION=f"Token {token_for(cast.reader_a)}"
    )
    assert status == 200
    assert parts(headers, body) == [case_datasets("alpha-p1")[0].PixelData]
    assert (
        call(app, frames_url(instance), HTTP_AUTHORIZATION=f"Token {token_for(cast.reader_b)}")[0]
        == 404
    )
    assert call(app, frames_url(instance), HTTP_AUTHORIZATION="Token nope")[0] == 401
