"""The 8 fixed phantom studies of the golden test and the regeneration of its JSON.

Regenerate only when the shipped weights change on purpose::

    .venv/bin/python -m tests.inference_tests.golden_cases
"""

from __future__ import annotations

import json
from pathlib import Path

from inference.data import StudyRequest

GOLDEN_PATH = Path(__file__).with_name("golden_predictions.json")
#: Seed 7001 is used by neither training (seed 0), calibration (seed 0) nor testing (seed 1).
GOLDEN_REQUESTS = [StudyRequest(7001, i) for i in range(4)] + [
    StudyRequest(7001, i, external=True) for i in range(4)
]


def golden_record(reader, requests=GOLDEN_REQUESTS) -> dict:
    from inference.data import render
    from inference.dicom_input import study_input_from_phantom

    studies = [study_input_from_phantom(render(r)) for r in requests]
    outputs = reader.predict_many(studies, batch_size=4)
    return {
        "weights_sha256": reader.info.weights_sha256,
        "studies": {
            s.study_id: {p.site: [p.grade, p.probabilities] for p in o.predictions}
            for s, o in zip(studies, outputs, strict=True)
        },
    }


if __name__ == "__main__":
    from inference import load_reader

    record = golden_record(load_reader())
    GOLDEN_PATH.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {GOLDEN_PATH}")
