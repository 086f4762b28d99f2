"""Reads for grading: case geometry for marks, read content, reads visible to a role."""

from __future__ import annotations

from grading.content import InstanceGeometry
from grading.models import Read
from readerstudy.imaging.models import Instance


def case_geometry(case_id: int) -> dict[str, InstanceGeometry]:
    """Pseudonymous SOP Instance UID → geometry, for every image of the case.

    Takes the case's id, not the row: checking marks needs nothing else of the case (its
    patient pseudonym included).
    """
    geometry = {}
    for instance in Instance.objects.filter(series__case_id=case_id).only(
        "sop_instance_uid", "rows", "columns", "number_of_frames", "metadata"
    ):
        try:
            geometry[instance.sop_instance_uid] = InstanceGeometry.from_dicom_json(
                instance.metadata,
                rows=instance.rows,
                columns=instance.columns,
                frames=instance.number_of_frames,
            )
        except ValueError:
            continue  # an image without geometry cannot carry marks
    return geometry


def read_content(read: Read) -> dict:
    """Grades and marks of a read in the same canonical shape the services store."""
    return {
        "grades": [
            {
                "site": g.site,
                "grade": g.grade,
                "not_assessable_reason": g.not_assessable_reason,
                "probabilities": g.probabilities,
                "detection_score": g.detection_score,
            }
            for g in read.grades.all()
        ],
        "marks": [
            {
                "site": m.site,
                "kind": m.kind,
                "sop_instance_uid": m.sop_instance_uid,
                "frame": m.frame,
                "image_xy": m.image_xy,
                "box_xyxy": m.box_xyxy,
                "patient_lps": m.patient_lps,
            }
            for m in read.marks.all()
        ],
    }
