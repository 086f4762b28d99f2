"""WSGI entry point (gunicorn readerstudy.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readerstudy.settings")
django_application = get_wsgi_application()

from readerstudy.imaging.fastpath import FramesFastPath  # noqa: E402 (needs Django set up)

# Token-authenticated WADO-RS frame requests are answered before Django's request handling.
application = FramesFastPath(django_application)
