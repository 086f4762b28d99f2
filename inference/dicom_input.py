"""Build a :class:`StudyInput` from DICOM files or from an in-memory phantom study.

Both paths end in :func:`sorted_series`, so training (phantom arrays) and inference
(DICOM from the blinded store) hand the networks identical inputs. Only pixels and
whitelisted geometry tags are read; the series role comes from SeriesDescription and no
other free text reaches the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .geometry import geometric_order
from .types import SeriesInput, StudyInput

#: Accepted SeriesDescription prefixes (upper case) per role: the blinded store's
#: neutral labels, the phantom's raw descriptions and RSNA-style names.
_ROLE_PREFIXES = {
    "SAG_T1": ("SAG T1", "SAGITTAL T1", "SAG_T1"),
    "SAG_T2": ("SAG T2", "SAGITTAL T2", "SAG_T2"),
    "AX_T2": ("AX T2", "AXIAL T2", "AX_T2", "TRA T2"),
}
_PHANTOM_ROLES = {"sag_t1": "SAG_T1", "sag_t2": "SAG_T2", "ax_t2": "AX_T2"}


def role_from_description(description: str) -> str | None:
    """Series role from a SeriesDescription, or None for a series the reader ignores."""
    text = " ".join(str(description).upper().split())
    for role, prefixes in _ROLE_PREFIXES.items():
        if text.startswith(prefixes):
            return role
    return None


def sorted_series(series: SeriesInput) -> SeriesInput:
    """The same series with slices in geometric order (ascending along the normal)."""
    order = geometric_order(series.positions, series.orientation)
    return SeriesInput(
        pixels=series.pixels[order],
        positions=series.positions[order],
        orientation=series.orientation,
        spacing=series.spacing,
        series_instance_uid=series.series_instance_uid,
        sop_instance_uids=tuple(series.sop_instance_uids[i] for i in order),
    )


def _dicom_files(source: Path | str | Iterable[Path | str]) -> list[Path]:
    if isinstance(source, str | Path):
        root = Path(source)
        if root.is_file():
            return [root]
        return sorted(p for p in root.rglob("*") if p.is_file())
    return [Path(p) for p in source]


def study_input_from_dicom(
    source: Path | str | Iterable[Path | str], *, study_id: str = ""
) -> StudyInput:
    """Read a study from a folder (searched recursively) or a list of DICOM files.

    Files are grouped by SeriesInstanceUID and their role taken from SeriesDescription
    (``SAG T1``, ``SAG T2``, ``AX T2`` and the phantom's longer descriptions); series of
    another role, and files that are not DICOM images, are skipped. When two series
    share a role the one with more slices is kept.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    groups: dict[str, list] = defaultdict(list)
    for path in _dicom_files(source):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=False)
        except (InvalidDicomError, OSError):
            continue
        if "PixelData" not in ds or "ImagePositionPatient" not in ds:
            continue
        groups[str(ds.SeriesInstanceUID)].append(ds)

    by_role: dict[str, SeriesInput] = {}
    for uid, datasets in sorted(groups.items()):
        role = role_from_description(getattr(datasets[0], "SeriesDescription", ""))
        if role is None:
            continue
        first = datasets[0]
        series = SeriesInput(
            pixels=np.stack([ds.pixel_array for ds in datasets]),
            positions=np.array([[float(v) for v in ds.ImagePositionPatient] for ds in datasets]),
            orientation=tuple(float(v) for v in first.ImageOrientationPatient),
            spacing=(float(first.PixelSpacing[0]), float(first.PixelSpacing[1])),
            series_instance_uid=uid,
            sop_instance_uids=tuple(str(ds.SOPInstanceUID) for ds in datasets),
        )
        kept = by_role.get(role)
        if kept is None or series.pixels.shape[0] > kept.pixels.shape[0]:
            by_role[role] = sorted_series(series)
    return StudyInput(series=by_role, study_id=study_id)


def study_input_from_phantom(rendered) -> StudyInput:
    """A :class:`StudyInput` from a ``fixtures.phantom`` RenderedStudy, as its DICOM reads.

    Positions are rounded to the 4 decimals the phantom's DICOM writer keeps and the
    UIDs are the ones it writes, so this equals :func:`study_input_from_dicom` on the
    written files.
    """
    from fixtures.phantom.phi import make_uid
    from fixtures.phantom.series import PHANTOM_VERSION

    key = (
        PHANTOM_VERSION,
        rendered.seed,
        rendered.index,
        rendered.external,
        f"{rendered.difficulty:.6g}",
    )
    series = {}
    for name, role in _PHANTOM_ROLES.items():
        geo = rendered.geometry[name]
        n = len(geo.slice_coords)
        positions = np.round(np.array([geo.position(i) for i in range(n)]), 4)
        raw = SeriesInput(
            pixels=rendered.pixels[name],
            positions=positions,
            orientation=geo.orientation,
            spacing=(geo.pixel, geo.pixel),
            series_instance_uid=make_uid(*key, "series", name),
            sop_instance_uids=tuple(make_uid(*key, "image", name, i) for i in range(n)),
        )
        series[role] = sorted_series(raw)
    return StudyInput(series=series, study_id=rendered.name)
