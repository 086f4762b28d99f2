"""Test settings: the production module, fed test environment defaults first.

pytest-django loads settings before any conftest runs, so the environment defaults live here.
"""

import os
import tempfile

os.environ.setdefault("READERSTUDY_TASKS_BACKEND", "immediate")
os.environ.setdefault("READERSTUDY_UID_KEY", "test-uid-key-not-secret")
os.environ.setdefault("READERSTUDY_VAR_DIR", tempfile.mkdtemp(prefix="readerstudy-test-var-"))
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-secret-" + "x" * 30)

from readerstudy.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when it is absent)
