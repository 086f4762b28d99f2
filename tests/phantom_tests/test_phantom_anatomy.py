"""Grades change the anatomy the way the grading systems describe.

Each test fixes every parameter of a nominal patient, varies the severity of one
region and measures the structure the grading system looks at on a fine
(0.1 mm) axial or sagittal grid through the L4-L5 disc.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from fixtures.phantom import Plane, Tissue, label_at, label_plane, nominal_anatomy
from fixtures.phantom.render import T1_SIGNAL

PX = 0.1
GRADES = (0.0, 1.0, 2.0, 3.0)
LEVEL = "L4-L5"


def _axial_canal(severity: float, region: str) -> np.ndarray:
    """Labels of the canal and recesses at the disc mid-plane."""
    anatomy = nominal_anatomy().with_severity(region, severity)
    z = anatomy.disc_z(LEVEL)
    wall = float(anatomy.wall_y(z))
    xs = np.arange(-16.0, 16.0, PX)
    ys = wall + np.arange(-2.0, 20.0, PX)
    return label_plane(anatomy, Plane.axial(z, xs, ys))


def _area(labels: np.ndarray, tissue: Tissue) -> float:
    return np.count_nonzero(labels == tissue) * PX * PX


def _components(mask: np.ndarray) -> int:
    """Number of 4-connected components (no scipy in the project)."""
    seen = np.zeros_like(mask)
    count = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        count += 1
        queue = deque([start])
        seen[start] = True
        while queue:
            i, j = queue.popleft()
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                n = (i + di, j + dj)
                if 0 <= n[0] < mask.shape[0] and 0 <= n[1] < mask.shape[1]:
                    if mask[n] and not seen[n]:
                        seen[n] = True
                        queue.append(n)
    return count


def test_dural_sac_csf_area_at_the_disc_shrinks_monotonically_with_canal_grade():
    areas = [_area(_axial_canal(s, "canal"), Tissue.CSF) for s in GRADES]
    assert all(a > b for a, b in zip(areas, areas[1:], strict=False))
    assert areas[3] < 0.05 * areas[0]  # "CSF severely obliterated"


def test_cauda_equina_roots_go_from_separate_to_clumped_to_one_bundle():
    # Lee 2011: all roots separate (0, 1), some aggregated (2), one bundle (3).
    counts = [_components(_axial_canal(s, "canal") == Tissue.CAUDA_ROOT) for s in GRADES]
    assert counts[0] == counts[1] == 13
    assert 1 < counts[2] < 13
    assert counts[3] == 1


def test_the_canal_grade_barely_touches_the_recesses():
    # A wide sac covers the medial edge of the recess lobes; a compressed one
    # uncovers it. The pocket around the traversing root is unchanged.
    normal, severe = _axial_canal(0.0, "canal"), _axial_canal(3.0, "canal")
    fat = _area(normal, Tissue.RECESS_FAT)
    assert abs(_area(severe, Tissue.RECESS_FAT) - fat) < 0.15 * fat
    assert _area(severe, Tissue.TRAVERSING_ROOT) == _area(normal, Tissue.TRAVERSING_ROOT)


def test_recess_fat_around_the_traversing_root_shrinks_to_nothing_at_grade_3():
    areas = [_area(_axial_canal(s, "recess"), Tissue.RECESS_FAT) for s in GRADES]
    assert all(a > b for a, b in zip(areas, areas[1:], strict=False))
    assert areas[3] == 0.0


def test_the_traversing_root_is_flattened_and_pushed_medially_from_grade_2():
    shapes = []
    for s in GRADES:
        anatomy = nominal_anatomy().with_severity("recess", s)
        geo = anatomy.recess_geometry(LEVEL, "left", anatomy.disc_z(LEVEL))
        shapes.append((float(geo["root_cx"]), float(geo["root_rx"] / geo["root_ry"])))
    (x0, r0), (x1, r1), (x2, r2), (x3, r3) = shapes
    assert x0 == x1 and r0 == r1 == 1.0  # grade 1: narrowed recess, normal root
    assert x3 < x2 < x1  # the left root (+x) moves towards the midline
    assert r3 > r2 > 1.0  # and is flattened


def _fat_around_exiting_root(severity: float) -> dict[str, bool]:
    """Is there foraminal fat just above, below, in front of, behind the root?"""
    anatomy = nominal_anatomy().with_severity("foramen", severity)
    g = anatomy.foramen_geometry(LEVEL, "left")
    x, y, z = anatomy.keypoint(LEVEL, "foramen", "left")
    dy, dz = g["root_ry"] + 1.0, g["root_rz"] + 1.0
    probes = {
        "above": (x, y, z + dz), "below": (x, y, z - dz),
        "front": (x, y - dy, z), "behind": (x, y + dy, z),
    }  # fmt: skip
    labels = label_at(anatomy, np.array(list(probes.values())))
    return {k: Tissue(v) == Tissue.FORAMINAL_FAT for k, v in zip(probes, labels, strict=True)}


def test_foraminal_fat_is_lost_in_one_axis_then_both_then_the_root_collapses():
    # nominal_anatomy() obliterates the vertical axis first (Lee 2010).
    assert all(_fat_around_exiting_root(0.0).values())
    grade1 = _fat_around_exiting_root(1.0)
    assert grade1 == {"above": False, "below": False, "front": True, "behind": True}
    assert not any(_fat_around_exiting_root(2.0).values())
    anatomy = nominal_anatomy()
    shapes = []
    for s in GRADES:
        g = anatomy.with_severity("foramen", s).foramen_geometry(LEVEL, "left")
        shapes.append(g["root_rz"] / g["root_ry"])
    assert shapes[0] == shapes[1] == shapes[2] == 1.0 and shapes[3] < 0.5


def test_the_perineural_fat_is_bright_and_the_root_dark_on_t1():
    assert T1_SIGNAL[Tissue.FORAMINAL_FAT] > 2 * T1_SIGNAL[Tissue.EXITING_ROOT]
    assert T1_SIGNAL[Tissue.CSF] < T1_SIGNAL[Tissue.MARROW] < T1_SIGNAL[Tissue.SUBCUT_FAT]


def test_the_sac_narrows_at_the_disc_not_between_discs():
    anatomy = nominal_anatomy().with_severity("canal", 3.0, level=LEVEL)
    zd = anatomy.disc_z(LEVEL)
    at_disc = anatomy.canal_profile(zd)["sac_ay"]
    mid_body = anatomy.canal_profile(zd + 20.0)["sac_ay"]
    assert at_disc < 0.25 * mid_body
    assert mid_body > 0.95 * anatomy.sac_half_ap
