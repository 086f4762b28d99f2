"""The README's API walk-through, replayed command by command.

The commands are read from README.md itself (between the walkthrough markers), so the README
cannot drift from what the API does. curl calls go through DRF's test client; the phantom and
zip steps run in-process with the README's arguments; ``read.json`` is written by the test.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from grading.models import Read
from readerstudy.audit.models import AuditEvent
from readerstudy.studies.demo import _users
from readerstudy.studies.models import Assignment
from tests.conftest import token_for
from tests.reads import read_payload

README = Path(__file__).resolve().parents[1] / "README.md"
pytestmark = pytest.mark.django_db


def walkthrough_lines() -> list[str]:
    text = README.read_text()
    block = text.split("<!-- walkthrough:start -->")[1].split("<!-- walkthrough:end -->")[0]
    block = block.split("```sh", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    return [
        line.strip()
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _curl(argv: list[str], env: dict, tmp_path: Path):
    method, data, files, headers, url = None, None, {}, {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-sS":
            continue
        if arg == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif arg == "-d":
            data = next(args)
        elif arg == "-F":
            name, value = next(args).split("=", 1)
            files[name] = open(value[1:], "rb") if value.startswith("@") else value
        elif arg == "-X":
            method = next(args)
        else:
            url = arg
    assert url and url.startswith(env["RS"]), url
    path = url[len(env["RS"]) :]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    method = (method or ("POST" if data is not None or files else "GET")).lower()
    if files:
        return getattr(client, method)(path, files, format="multipart")
    if data == "@read.json":
        data = (tmp_path / "read.json").read_text()
    if data is not None:
        return getattr(client, method)(
            path, data, content_type=headers.get("Content-Type", "application/json")
        )
    return getattr(client, method)(path)


def _expand(line: str, env: dict) -> str:
    return re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), m.group(0)), line)


def test_the_readme_walkthrough_runs_from_template_to_a_submitted_read(tmp_path):
    _users()  # the demo's people: coordinator (may create studies), reader1, reference, …
    env: dict[str, str] = {}
    responses = []
    for raw in walkthrough_lines():
        line = raw.replace("/tmp/pilot", str(tmp_path / "pilot"))
        if match := re.fullmatch(r"(\w+)=(\S+)", line):
            env[match.group(1)] = match.group(2)
        elif match := re.fullmatch(r"(\w+)=\$\(.*drf_create_token (\w+) .*\)", line):
            from django.contrib.auth import get_user_model

            env[match.group(1)] = token_for(get_user_model().objects.get(username=match.group(2)))
        elif match := re.fullmatch(r"(\w+)=\$\((curl .*?) \| python3 -c '(.*)'\)", line):
            response = _curl(shlex.split(_expand(match.group(2), env)), env, tmp_path)
            assert response.status_code == 200
            picked = subprocess.run(
                [sys.executable, "-c", match.group(3)],
                input=response.content,
                capture_output=True,
                check=True,
            )
            env[match.group(1)] = picked.stdout.decode().strip()
            if match.group(1) == "CODE":  # what a reader would write into read.json
                case = Assignment.objects.get(code=env["CODE"]).case
                (tmp_path / "read.json").write_text(
                    json.dumps(read_payload(case, grade=0, overrides={"L4-L5/canal": 2}))
                )
        elif line.startswith(".venv/bin/python -m fixtures.phantom"):
            from fixtures.phantom.__main__ import main

            main(shlex.split(line)[3:])
        elif line.startswith(".venv/bin/python -m zipfile"):
            zipfile.main(shlex.split(line)[3:])
        elif line.startswith("curl "):
            response = _curl(shlex.split(_expand(line, env)), env, tmp_path)
            assert 200 <= response.status_code < 300, (line, response.content[:500])
            responses.append(response)
        else:
            pytest.fail(f"The test does not know how to replay: {line}")

    import_report = next(
        r.json() for r in responses if r.wsgi_request.path.endswith("/cases/import/")
    )
    assert len(import_report["cases"]) == 3 and import_report["instances_added"] == 3 * 53
    read = Read.objects.get(assignment__code=env["CODE"])
    assert read.status == "submitted" and read.grades.count() == 25
    assert responses[-1].json()  # the reader's DICOMweb study list is not empty
    assert AuditEvent.objects.filter(study__slug="pilot", action="read.submit").count() == 1
