"""The external test set: another scanner (pixels, noise) and a sicker case mix."""

from __future__ import annotations

import numpy as np
import pydicom

from fixtures.phantom import Tissue, label_plane, render_study_arrays
from fixtures.phantom.render import FULL_SCALE, sample_render_params

from .conftest import SEED


def test_external_studies_use_fixed_pixel_spacing_and_7_percent_noise(external_study):
    truth = external_study.truth
    assert external_study.name == f"phantom-ext-{SEED}-0000"
    assert truth["external"] is True and truth["patient_id"] != f"MRN-{SEED}-0000"
    for role, spacing in (("sag_t1", 1.2), ("sag_t2", 1.2), ("ax_t2", 0.85)):
        ds = pydicom.dcmread(external_study.dicom_dir / role / "IM0001.dcm")
        assert [float(v) for v in ds.PixelSpacing] == [spacing, spacing]
    params = [sample_render_params(SEED, i, external=True) for i in range(5)]
    assert {(p.noise_fraction, p.sag_pixel, p.ax_pixel) for p in params} == {(0.07, 1.2, 0.85)}


def test_internal_studies_vary_noise_and_pixel_spacing_per_study():
    params = [sample_render_params(SEED, i) for i in range(20)]
    noise = [p.noise_fraction for p in params]
    assert 0.03 <= min(noise) and max(noise) <= 0.065 and len(set(noise)) == 20
    assert all(1.1 <= p.sag_pixel <= 1.25 and 0.65 <= p.ax_pixel <= 0.75 for p in params)
    assert len({p.sag_pixel for p in params}) > 5


def test_the_noise_measured_in_air_matches_the_requested_sigma():
    rendered = render_study_arrays(seed=SEED, index=0, external=True)
    geo = rendered.geometry["sag_t2"]
    labels = label_plane(rendered.anatomy, geo.sampling_plane(0))
    # Air far from the body (eroded by a margin so blur and partial volume are
    # absent); there the Rician magnitude is Rayleigh: mean = sigma sqrt(pi/2).
    air = labels == Tissue.AIR
    core = air.copy()
    for d in range(1, 8):
        core[:, d:] &= air[:, :-d]
        core[:, :-d] &= air[:, d:]
    values = rendered.pixels["sag_t2"][0][core].astype(float)
    assert values.size > 2000
    sigma = values.mean() / np.sqrt(np.pi / 2.0)
    expected = 0.07 * float(rendered.params.t2[Tissue.CSF]) * FULL_SCALE
    assert abs(sigma - expected) < 0.1 * expected
