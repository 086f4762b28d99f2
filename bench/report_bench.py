"""The agreement report's build time: the demo-sized study and a large generated one.

Generates a study in a throwaway database (bulk inserts, not timed): ``--patients`` cases
(70 % internal, 30 % external), 6 readers (the reference, 4 radiologists and a model) and
2 sessions (unaided, then AI-assisted with the 5 non-reference readers), every read with
25 grades (normal-mild-heavy case mix, each reader off by one grade at its own rate, 1 %
"not assessable"), marks near the truth keypoints on sites graded moderate or worse, and
phantom-style truth keypoints. Then times what ``manage.py agreement_report`` does:

- reading the study (``report_inputs``: the ORM queries and tidy rows),
- the analysis (every statistic through ``grading.agreement``, bootstrap included),
- the whole build (tables, figures, XLSX, HTML, PDF, formats, manifest).

Peer, in the same run: scikit-learn's ``cohen_kappa_score`` on the same reader-vs-reference
pairs (an estimate only, no CI), against our Cohen κ with its patient-clustered CI.

    .venv/bin/python bench/report_bench.py [--patients 500] [--bootstrap 1000] [--small 30]

Targets (issue 6): demo-sized study (30 patients) ≤ 10 s, 500 patients × 6 readers ×
2 sessions ≤ 60 s, bootstrap included.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _setup  # noqa: E402

SITES_PER_CASE = 25


def make_study(slug: str, patients: int, seed: int):
    """A study with reads, marks and truth, inserted in bulk (setup, not timed)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from grading.models import CaseTruth, Grade, Mark, Read
    from readerstudy.audit.services import Actor
    from readerstudy.studies import services
    from readerstudy.studies.models import Arm, Assignment, Case

    rng = np.random.default_rng(seed)
    users = get_user_model().objects
    coordinator = users.create_user(f"coord-{slug}")
    actor = Actor(user=coordinator)
    study = services.study_create(actor=actor, slug=slug, name=f"Bench {slug}")
    spec = study.protocol.spec
    sites = [s.code for s in spec.sites]
    region = {s.code: s.region for s in spec.sites}
    cases = Case.objects.bulk_create(
        Case(
            study=study,
            patient_pseudonym=f"{slug}-p{i:05d}",
            study_instance_uid=f"2.25.{seed}{i}",
            case_set="internal" if i < patients * 0.7 else "external",
        )
        for i in range(patients)
    )
    truth = rng.choice(4, size=(patients, SITES_PER_CASE), p=[0.45, 0.27, 0.17, 0.11])
    points = rng.uniform(-60, 60, size=(patients, SITES_PER_CASE, 3))
    CaseTruth.objects.bulk_create(
        CaseTruth(
            case=case,
            site=site,
            grade=int(truth[c, s]),
            keypoint_lps=points[c, s].tolist(),
            source="bench",
        )
        for c, case in enumerate(cases)
        for s, site in enumerate(sites)
    )
    names = ["reference", "rad1", "rad2", "rad3", "rad4"]
    readers = {}
    for name in names:
        users.create_user(f"{slug}-{name}")
        readers[name] = services.reader_add_human(
            actor=actor, study=study, username=f"{slug}-{name}", name=name
        )
    readers["model"] = services.reader_add_model(
        actor=actor, study=study, name="model", model_version="bench", weights_sha256="0" * 64
    )
    services.reference_designate(actor=actor, study=study, reader=readers["reference"])
    now = timezone.now()
    plan = [
        (1, Arm.UNAIDED, list(readers)),
        (2, Arm.AI_ASSISTED, [n for n in readers if n != "reference"]),
    ]
    error_rate = {
        "reference": 0.05,
        "rad1": 0.12,
        "rad2": 0.18,
        "rad3": 0.24,
        "rad4": 0.3,
        "model": 0.1,
    }
    for number, arm, who in plan:
        session = services.session_create(
            actor=actor,
            study=study,
            number=number,
            arm=arm,
            opens_at=now - timedelta(days=60 - 30 * number),
            seed=seed + number,
        )
        assignments = Assignment.objects.bulk_create(
            Assignment(session=session, reader=readers[name], case=case, position=i)
            for name in who
            for i, case in enumerate(cases)
        )
        reads = Read.objects.bulk_create(
            Read(
                assignment=a,
                status="submitted",
                opened_at=session.opens_at,
                submitted_at=session.opens_at + timedelta(minutes=3),
                active_seconds=float(rng.lognormal(4.5, 0.4)),
                provenance={"simulated": True},
            )
            for a in assignments
        )
        grades, marks = [], []
        for k, read in enumerate(reads):
            name, c = who[k // patients], k % patients
            off = rng.random(SITES_PER_CASE) < error_rate[name] * (0.8 if number == 2 else 1)
            graded = np.clip(truth[c] + off * rng.choice([-1, 1], SITES_PER_CASE), 0, 3)
            missing = rng.random(SITES_PER_CASE) < 0.01
            for s, site in enumerate(sites):
                value = None if missing[s] else int(graded[s])
                grades.append(Grade(read=read, site=site, grade=value))
                if value is not None and value >= spec.marks_required_from_grade:
                    jitter = rng.normal(0, 1.2 + error_rate[name] * 4, 3)
                    marks.append(
                        Mark(
                            read=read,
                            site=site,
                            sop_instance_uid=f"2.25.{c}.{s}",
                            image_xy=[1, 1],
                            patient_lps=(points[c, s] + jitter).tolist(),
                        )
                    )
        Grade.objects.bulk_create(grades, batch_size=5000)
        Mark.objects.bulk_create(marks, batch_size=5000)
    services.study_transition(actor=actor, study=study, to_state="open")
    study.refresh_from_db()
    return study, region


def time_report(study, bootstrap: int) -> dict:
    from grading.reports.analysis import Analysis
    from grading.reports.build import build_report
    from grading.reports.selectors import report_inputs

    t0 = time.perf_counter()
    inputs = report_inputs(study)
    t1 = time.perf_counter()
    analysis = Analysis(inputs, seed=1, bootstrap=bootstrap)
    analysis.run()
    t2 = time.perf_counter()
    built = build_report(report_inputs(study), seed=1, bootstrap=bootstrap)
    t3 = time.perf_counter()
    return {
        "read_s": t1 - t0,
        "analysis_s": t2 - t1,
        "build_s": t3 - t2,
        "statistics": len(analysis.stats),
        "files": len(built.files),
        "bytes": sum(len(b) for b in built.files.values()),
        "analysis": analysis,
    }


def peer_kappa(analysis) -> tuple[float, float, int]:
    """Seconds per Cohen κ: ours (clustered CI) vs scikit-learn (estimate only)."""
    from sklearn.metrics import cohen_kappa_score

    from grading.reports import compute
    from grading.reports.stat import Stat

    plan = analysis.plan
    work = []
    for (_case_set, _region, scale), table in analysis.grades.items():
        if scale != "4-grade":
            continue
        for name in plan.readers:
            pair = [plan.reference, f"{name}@s{plan.primary}"]
            work.append((table, pair))
    t0 = time.perf_counter()
    for table, pair in work:
        stat = Stat("b", "b", "b", "4-grade", "k", "r", "c", "1")
        compute.agreement(
            stat,
            table,
            "x.csv",
            raters=pair,
            scale="4-grade",
            coefficient="cohen",
            weights="linear",
        )
    ours = (time.perf_counter() - t0) / len(work)
    t0 = time.perf_counter()
    for table, pair in work:
        rows = table[pair].dropna().to_numpy(dtype=int)
        cohen_kappa_score(rows[:, 0], rows[:, 1], labels=[0, 1, 2, 3], weights="linear")
    theirs = (time.perf_counter() - t0) / len(work)
    return ours, theirs, len(work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--small", type=int, default=30, help="the demo-sized study")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    _setup.install_signal_handlers()
    with _setup.django_env():
        print(f"report build, bootstrap {args.bootstrap}, 6 readers × 2 sessions")
        print(
            f"{'patients':>8} {'grades':>8} {'read s':>7} {'stats s':>8} {'build s':>8} "
            f"{'statistics':>10} {'files':>6} {'MB':>6}"
        )
        for n in (args.small, args.patients):
            t0 = time.perf_counter()
            study, _ = make_study(f"bench{n}", n, seed=n)
            setup = time.perf_counter() - t0
            result = time_report(study, args.bootstrap)
            grades = n * 25 * 11
            print(
                f"{n:>8} {grades:>8} {result['read_s']:>7.2f} {result['analysis_s']:>8.2f} "
                f"{result['build_s']:>8.2f} {result['statistics']:>10} {result['files']:>6} "
                f"{result['bytes'] / 1e6:>6.1f}   (setup {setup:.1f} s)"
            )
        ours, theirs, count = peer_kappa(result["analysis"])
        print(
            f"\nCohen κ per statistic on {count} reader-reference tables of the {n}-patient study: "
            f"ours {ours * 1e3:.2f} ms (with clustered SE, CI, p) vs scikit-learn "
            f"{theirs * 1e3:.2f} ms (estimate only): ratio {ours / theirs:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
