"""The predictor: :class:`TwoStageReader` turns a :class:`StudyInput` into 25 graded sites.

Per batch of studies: one sagittal localiser pass per study, one axial pass per imaged
level, one foraminal pass per side, then all crops of a region through its classifier;
calibrated probabilities come from a per-region temperature. Missing series and levels
not covered by the axial series give "not assessable" with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .classify import CROPS, crop
from .geometry import nearest_slice, patient_to_pixel
from .localize import (
    AXIAL_BLOCKS,
    AXIAL_INPUT_SLICES,
    FORAMEN_SLICES,
    LEVEL_TOLERANCE_MM,
    assign_axial_levels,
    axial_input,
    axial_plane,
    decode,
    foramen_input,
    mid_sagittal_slice,
    sagittal_input,
)
from .networks import CropClassifier, HeatmapNet
from .preprocess import intensity_scale
from .types import (
    LEVELS,
    REGIONS,
    SIDES,
    Location,
    ReaderOutput,
    SitePrediction,
    StudyInput,
    site_code,
    site_keys,
)

CODE_VERSION = "inference 1.0.0"


def build_networks() -> dict[str, torch.nn.Module]:
    """The six networks of the reader, untrained."""
    return {
        "sagittal": HeatmapNet(3, len(LEVELS)),
        "axial": HeatmapNet(AXIAL_INPUT_SLICES, 3 * AXIAL_BLOCKS),
        "foramen_localiser": HeatmapNet(FORAMEN_SLICES, len(LEVELS) * FORAMEN_SLICES),
        "canal": CropClassifier(),
        "recess": CropClassifier(),
        "foramen": CropClassifier(),
    }


@dataclass(frozen=True)
class ReaderInfo:
    """Who made a read: model name and version and the weights' SHA-256."""

    name: str
    version: str
    weights_sha256: str


@dataclass
class _Site:
    """A localised site on its way to a prediction."""

    point: np.ndarray | None = None
    score: float | None = None
    reason: str = ""
    probabilities: np.ndarray | None = None


@dataclass
class _Work:
    study: StudyInput
    scales: dict[str, float]
    sites: dict[str, _Site] = field(default_factory=dict)


def _forward(net: torch.nn.Module, arrays: list[np.ndarray], device: torch.device):
    if not arrays:
        return None
    x = torch.from_numpy(np.stack(arrays).astype(np.float32)).to(device)
    return net(x).float().cpu()


class TwoStageReader:
    """Localise, then grade: ``predict(study)`` and ``predict_many(studies, batch_size)``.

    Parameters
    ----------
    networks
        The six trained networks (:func:`build_networks`).
    temperatures
        Per-region temperature (``canal``, ``recess``, ``foramen``).
    info
        Name, version and weights SHA-256, copied into every output.
    device
        A torch device; networks are moved there and put in eval mode.
    """

    def __init__(self, networks, temperatures: dict[str, float], info: ReaderInfo, device="cpu"):
        self.device = torch.device(device)
        self.networks = {k: net.to(self.device).eval() for k, net in networks.items()}
        self.temperatures = {r: float(temperatures[r]) for r in REGIONS}
        self.info = info

    def predict(self, study: StudyInput) -> ReaderOutput:
        return self.predict_many([study], batch_size=1)[0]

    def predict_many(self, studies: list[StudyInput], batch_size: int = 8) -> list[ReaderOutput]:
        outputs = []
        for start in range(0, len(studies), batch_size):
            t0 = time.perf_counter()
            chunk = studies[start : start + batch_size]
            with torch.inference_mode():
                work = self._run(chunk)
            seconds = (time.perf_counter() - t0) / len(chunk)
            outputs.extend(self._output(w, seconds) for w in work)
        return outputs

    # --- stages -------------------------------------------------------------

    def _run(self, studies: list[StudyInput]) -> list[_Work]:
        work = [
            _Work(s, {role: intensity_scale(series) for role, series in s.series.items()})
            for s in studies
        ]
        discs = self._sagittal(work)
        self._axial(work, discs)
        self._foramina(work)
        self._classify(work)
        return work

    def _sagittal(self, work: list[_Work]) -> list[np.ndarray | None]:
        inputs, frames, owners = [], [], []
        for i, w in enumerate(work):
            if "SAG_T2" in w.study.series:
                x, frame = sagittal_input(w.study.series["SAG_T2"], w.scales["SAG_T2"])
                inputs.append(x)
                frames.append(frame)
                owners.append(i)
        logits = _forward(self.networks["sagittal"], inputs, self.device)
        discs: list[np.ndarray | None] = [None] * len(work)
        for j, i in enumerate(owners):
            points, _ = decode(logits[j].reshape(len(LEVELS), -1), frames[j])
            discs[i] = points
        return discs

    def _axial(self, work: list[_Work], discs: list[np.ndarray | None]) -> None:
        inputs, frames, owners = [], [], []
        for i, w in enumerate(work):
            reason = ""
            if "AX_T2" not in w.study.series:
                reason = "axial T2 series missing"
            elif discs[i] is None:
                reason = "sagittal T2 series missing: levels cannot be located on the axial series"
            if reason:
                for lv in LEVELS:
                    for key in [(lv, "canal", "")] + [(lv, "recess", s) for s in SIDES]:
                        w.sites[site_code(*key)] = _Site(reason=reason)
                continue
            axial = w.study.series["AX_T2"]
            for level, index in zip(LEVELS, assign_axial_levels(axial, discs[i]), strict=True):
                if index is None:
                    reason = (
                        f"no axial T2 slice within {LEVEL_TOLERANCE_MM:g} mm of the {level} disc"
                    )
                    for key in [(level, "canal", "")] + [(level, "recess", s) for s in SIDES]:
                        w.sites[site_code(*key)] = _Site(reason=reason)
                    continue
                x, frame = axial_input(axial, w.scales["AX_T2"], index)
                inputs.append(x)
                frames.append(frame)
                owners.append((i, level))
        logits = _forward(self.networks["axial"], inputs, self.device)
        for j, (i, level) in enumerate(owners):
            points, scores = decode(logits[j].reshape(3, -1), frames[j])
            _, points = axial_plane(work[i].study.series["AX_T2"], frames[j], points)
            keys = [(level, "canal", ""), (level, "recess", "left"), (level, "recess", "right")]
            for key, point, score in zip(keys, points, scores, strict=True):
                work[i].sites[site_code(*key)] = _Site(point, float(score))

    def _foramina(self, work: list[_Work]) -> None:
        inputs, frames, owners = [], [], []
        for i, w in enumerate(work):
            if "SAG_T1" not in w.study.series:
                for level in LEVELS:
                    for side in SIDES:
                        w.sites[site_code(level, "foramen", side)] = _Site(
                            reason="sagittal T1 series missing"
                        )
                continue
            t1 = w.study.series["SAG_T1"]
            ref = w.study.series.get("SAG_T2", t1)
            midline = float(ref.positions[mid_sagittal_slice(ref), 0])
            for side in SIDES:
                x, frame = foramen_input(t1, w.scales["SAG_T1"], midline, side)
                inputs.append(x)
                frames.append(frame)
                owners.append((i, side))
        logits = _forward(self.networks["foramen_localiser"], inputs, self.device)
        for j, (i, side) in enumerate(owners):
            points, scores = decode(logits[j].reshape(len(LEVELS), -1), frames[j])
            for level, point, score in zip(LEVELS, points, scores, strict=True):
                work[i].sites[site_code(level, "foramen", side)] = _Site(point, float(score))

    def _classify(self, work: list[_Work]) -> None:
        for region in REGIONS:
            spec = CROPS[region]
            crops, owners = [], []
            for w in work:
                for level, reg, side in site_keys():
                    site = w.sites[site_code(level, reg, side)]
                    if reg != region or site.point is None:
                        continue
                    series = w.study.series[spec.role]
                    crops.append(crop(series, w.scales[spec.role], spec, site.point, side))
                    owners.append(site)
            logits = _forward(self.networks[region], crops, self.device)
            if logits is None:
                continue
            probs = torch.softmax(logits.double() / self.temperatures[region], dim=1).numpy()
            for site, p in zip(owners, probs, strict=True):
                site.probabilities = p

    # --- output -------------------------------------------------------------

    def _output(self, w: _Work, seconds: float) -> ReaderOutput:
        predictions = []
        for level, region, side in site_keys():
            site = w.sites[site_code(level, region, side)]
            if site.probabilities is None:
                predictions.append(SitePrediction.not_assessable(level, region, side, site.reason))
                continue
            role = CROPS[region].role
            series = w.study.series[role]
            index = nearest_slice(series, site.point)[0]
            col, row = patient_to_pixel(
                series.positions[index], series.orientation, series.spacing, site.point
            )
            p = [float(v) for v in site.probabilities]
            predictions.append(
                SitePrediction(
                    site=site_code(level, region, side),
                    level=level,
                    region=region,
                    side=side,
                    grade=int(np.argmax(p)),
                    probabilities=p,
                    p_moderate_or_severe=p[2] + p[3],
                    location=Location(
                        series_role=role,
                        series_instance_uid=series.series_instance_uid,
                        slice_index=index,
                        sop_instance_uid=series.sop_instance_uids[index],
                        image=[float(col), float(row)],
                        patient_mm=[float(v) for v in site.point],
                    ),
                    detection_score=site.score,
                )
            )
        return ReaderOutput(
            model_name=self.info.name,
            model_version=self.info.version,
            weights_sha256=self.info.weights_sha256,
            code_version=CODE_VERSION,
            device=str(self.device),
            wall_seconds=seconds,
            predictions=predictions,
            study_id=w.study.study_id,
        )
