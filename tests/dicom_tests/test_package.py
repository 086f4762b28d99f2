"""The package stays importable and testable without Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_package_loads_no_django() -> None:
    code = (
        "import sys, readerstudy.imaging.dicom\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
