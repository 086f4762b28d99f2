"""The deep-learning reader: a two-stage lumbar stenosis model (pure torch, no Django).

Stage 1 localises keypoints with heatmaps (disc levels on sagittal T2, foramina on
sagittal T1, canal and recesses on axial T2); stage 2 grades mm-defined crops. See
``inference/README.md`` and handbook ``models.md`` sections 7-9.

Public entry points (torch is imported on first use)::

    from inference import load_reader, study_input_from_dicom
    reader = load_reader()              # shipped weights, SHA-256 verified
    output = reader.predict(study_input_from_dicom("path/to/study"))
"""

from importlib import import_module

_EXPORTS = {
    "load_reader": "registry",
    "WeightsMismatchError": "registry",
    "study_input_from_dicom": "dicom_input",
    "study_input_from_phantom": "dicom_input",
    "TwoStageReader": "pipeline",
    "ReaderInfo": "pipeline",
    "StudyInput": "types",
    "SeriesInput": "types",
    "SitePrediction": "types",
    "ReaderOutput": "types",
    "Location": "types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"inference.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'inference' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
