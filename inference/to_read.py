"""The model's output in the grading service's read shape, and its provenance record."""

from __future__ import annotations


def read_payload(output, spec) -> dict:
    """Grades (with probabilities and detection scores) for every protocol site, and a point
    mark wherever the model located the site, so recall can be measured on every site."""
    by_site = {p.site: p for p in output.predictions}
    missing = [site for site in spec.site_codes if site not in by_site]
    if missing:
        raise ValueError(f"the model gave no prediction for {', '.join(missing)}")
    grades, marks = [], []
    for site in spec.site_codes:
        p = by_site[site]
        assessable = p.grade is not None
        probabilities = None
        if assessable and p.probabilities is not None:
            total = float(sum(p.probabilities))
            probabilities = [round(float(v) / total, 6) for v in p.probabilities]
        grades.append(
            {
                "site": site,
                "grade": int(p.grade) if assessable else None,
                "not_assessable_reason": None if assessable else (p.reason or "not assessable"),
                "probabilities": probabilities,
                "detection_score": (
                    None if p.detection_score is None else round(float(p.detection_score), 6)
                ),
            }
        )
        location = p.location
        if assessable and location is not None:
            marks.append(
                {
                    "site": site,
                    "kind": "point",
                    "sop_instance_uid": location.sop_instance_uid,
                    "frame": 1,
                    "image_xy": [round(float(v), 3) for v in location.image],
                }
            )
    return {"grades": grades, "marks": marks}


def provenance(output, job) -> dict:
    return {
        "model": output.model_name,
        "model_version": output.model_version,
        "weights_sha256": output.weights_sha256,
        "code_version": output.code_version,
        "device": output.device,
        "wall_seconds": round(float(output.wall_seconds), 4),
        "run": job.run_id,
    }
