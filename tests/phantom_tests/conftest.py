"""Phantom studies shared by the phantom tests.

Rendering a study takes about half a second, so the tests share three written
studies per session: one from the library, the same one from the command line
(determinism) and one external-set study.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.phantom import PhantomStudy, generate_study

SEED = 7
INDEX = 3
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def study(tmp_path_factory) -> PhantomStudy:
    """An internal study written through the library API."""
    return generate_study(seed=SEED, index=INDEX, out_dir=tmp_path_factory.mktemp("library"))


@pytest.fixture(scope="session")
def cli_out(tmp_path_factory) -> Path:
    """The same study written by ``python -m fixtures.phantom`` in a subprocess."""
    out = tmp_path_factory.mktemp("cli")
    command = [
        sys.executable, "-m", "fixtures.phantom",
        "--studies", "1", "--seed", str(SEED), "--first-index", str(INDEX), "--out", str(out),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def external_study(tmp_path_factory) -> PhantomStudy:
    """One study of the external test set."""
    return generate_study(
        seed=SEED, index=0, out_dir=tmp_path_factory.mktemp("external"), external=True
    )
