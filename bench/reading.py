"""The reading workstation in a real browser: case-open time, scroll speed, bundle size.

Imports phantom studies (``--studies``, 53 images each) into an open study readable by
``bench_reader``, serves the project as ``make demo`` does (granian, collected static files)
and drives Debian's chromium with Playwright, as a radiologist's browser would, with WebGL
(SwiftShader here) unless ``--cpu``.

- **Next case → both viewports show their first image**, cold (a fresh browser profile: the
  bundle, its worker and the images all come from the server) and with the bundle cached (each
  following case in the same profile). Peer: the same page's bare ``fetch()`` of what the
  viewer needs first (the two series' metadata and one frame each), i.e. the network floor.
- **Sagittal scroll speed**, slices rendered per second while stepping through the stack one
  slice at a time, each step waiting for cornerstone's IMAGE_RENDERED: the first pass (frames
  come from the server as they are needed) and a second pass (decoded images cached). Peer:
  the browser's sequential ``fetch()`` of the same frames.
- **Bundle size**: the entry chunk and its CSS, raw and gzip (level 9), from Vite's manifest;
  lazy chunks, the decode worker and WASM codecs listed apart.

    .venv/bin/python bench/reading.py [--studies 4] [--cases 4] [--cpu]

Targets (issue 4): next case ≤ 1 s with the bundle cached and ≤ 2 s cold; scroll ≥ 20
slices/s; entry bundle ≤ 1.2 MB gzip with codecs lazy.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _setup  # noqa: E402

DIST = _setup.REPO / "frontend" / "dist"
PASSWORD = "bench-password"

FETCH_FLOOR_JS = """async (code) => {
  const t0 = performance.now();
  const payload = await (await fetch(`/api/assignments/${code}/`)).json();
  const firsts = await Promise.all(payload.series.filter((s) => s.label !== 'SAG T1')
    .map(async (s) => {
      const meta = await (await fetch(s.metadata_url)).json();
      const uid = meta[Math.floor(meta.length / 2)]['00080018'].Value[0];
      const url = `${payload.dicomweb_root}/studies/${payload.study_instance_uid}/series/` +
        `${s.series_instance_uid}/instances/${uid}/frames/1`;
      const accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
      return (await fetch(url, { headers: { Accept: accept } })).arrayBuffer();
    }));
  return { ms: performance.now() - t0, bytes: firsts.reduce((n, b) => n + b.byteLength, 0) };
}"""

SCROLL_JS = """async () => {
  const viewer = window.readerStudy.app.viewer;
  const element = document.querySelector('[data-viewport="sagittal"]');
  const rendered = () => new Promise((resolve) =>
    element.addEventListener('CORNERSTONE_IMAGE_RENDERED', resolve, { once: true }));
  const count = viewer.state().sagittal.count;
  viewer.scrollBy('sagittal', -count);
  const passes = [];
  for (let pass = 0; pass < 2; pass++) {
    const direction = pass === 0 ? 1 : -1;
    const t0 = performance.now();
    for (let i = 0; i < count - 1; i++) {
      const done = rendered();
      viewer.scrollBy('sagittal', direction);
      await done;
    }
    passes.push({ slices: count - 1, ms: performance.now() - t0 });
  }
  return passes;
}"""

FRAME_FETCH_JS = """async () => {
  const payload = await (await fetch(`/api/assignments/${window.readerStudyCode}/`)).json();
  const series = payload.series.find((s) => s.label === 'SAG T2');
  const meta = await (await fetch(series.metadata_url)).json();
  const accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
  const t0 = performance.now();
  for (const instance of meta) {
    const uid = instance['00080018'].Value[0];
    await (await fetch(`${payload.dicomweb_root}/studies/${payload.study_instance_uid}/series/` +
      `${series.series_instance_uid}/instances/${uid}/frames/1`,
      { headers: { Accept: accept }, cache: 'no-store' })).arrayBuffer();
  }
  return { frames: meta.length, ms: performance.now() - t0 };
}"""


def set_up_study(studies: list) -> list[str]:
    """An open study with every phantom case assigned to ``bench_reader``; its codes in order."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from readerstudy.audit.services import Actor
    from readerstudy.imaging.services import dicom_import
    from readerstudy.studies import services
    from readerstudy.studies.models import Assignment

    users = get_user_model().objects
    actor = Actor(user=users.create_user("bench_coordinator", password=PASSWORD))
    study = services.study_create(actor=actor, slug="bench", name="Bench")
    users.create_user("bench_reader", password=PASSWORD)
    reader = services.reader_add_human(actor=actor, study=study, username="bench_reader")
    users.create_user("bench_reference", password=PASSWORD)
    reference = services.reader_add_human(actor=actor, study=study, username="bench_reference")
    services.reference_designate(actor=actor, study=study, reader=reference)
    report = dicom_import(actor=actor, study=study, paths=[s.dicom_dir for s in studies])
    if report.rejected:
        raise RuntimeError(f"import rejected files: {report.rejected[:3]}")
    session = services.session_create(
        actor=actor, study=study, number=1, opens_at=timezone.now() - timedelta(days=1), seed=1
    )
    services.session_assign(actor=actor, session=session, readers=[reader])
    services.study_transition(actor=actor, study=study, to_state="open")
    return list(
        Assignment.objects.filter(reader=reader).order_by("position").values_list("code", flat=True)
    )


def bundle_sizes() -> None:
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())
    entry = manifest["src/main.js"]
    eager = [entry["file"], *entry.get("css", [])]
    for name in entry.get("imports", []):
        eager.append(manifest[name]["file"])
    print("\nbundle (frontend/dist):")
    total_raw = total_gz = 0
    for file in eager:
        data = (DIST / file).read_bytes()
        packed = len(gzip.compress(data, 9))
        total_raw, total_gz = total_raw + len(data), total_gz + packed
        print(f"  eager  {file:<48} {len(data) / 1e6:6.2f} MB raw {packed / 1e6:6.2f} MB gzip")
    print(
        f"  eager total: {total_raw / 1e6:.2f} MB raw, {total_gz / 1e6:.2f} MB gzip (target <= 1.2)"
    )
    for path in sorted((DIST / "assets").iterdir()):
        rel = f"assets/{path.name}"
        if rel not in eager and path.suffix in (".js", ".wasm"):
            data = path.read_bytes()
            print(
                f"  lazy   {rel:<48} {len(data) / 1e6:6.2f} MB raw {len(gzip.compress(data, 9)) / 1e6:6.2f} MB gzip"
            )


def drive(base: str, codes: list[str], cases: int, cpu: bool) -> None:
    from playwright.sync_api import sync_playwright

    suffix = "?cpu=1" if cpu else ""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = ["--no-sandbox", "--disable-background-networking", "--no-first-run", "--disable-quic"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)

        def new_page():
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "bench_reader")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            return context, page

        def loaded(page) -> None:
            # Polled with evaluate: wait_for_function uses eval, which the page's CSP forbids.
            deadline = time.monotonic() + 60
            check = "() => window.readerStudy && (window.readerStudy.loaded || window.readerStudy.error)"
            while not page.evaluate(check):
                if time.monotonic() > deadline:
                    raise RuntimeError("the case did not load within 60 s")
                time.sleep(0.01)
            error = page.evaluate("() => window.readerStudy.error")
            if error:
                raise RuntimeError(error)

        def open_next(page, code: str) -> float:
            """ms from leaving the current page to both viewports' first images (one clock:
            the browser's Date.now() and Python's time.time() read the same system time)."""
            start = time.time() * 1000
            page.goto(f"{base}/read/{code}/{suffix}")
            loaded(page)
            return page.evaluate("() => window.readerStudy.firstImageAt") - start

        cold, cached, floors = [], [], []
        for code in codes[:cases]:  # each cold open in a fresh profile: nothing cached
            context, page = new_page()
            cold.append(open_next(page, code))
            context.close()
        context, page = new_page()
        renderer = None
        for code in codes[:cases]:
            cached.append(open_next(page, code))
            renderer = renderer or page.evaluate(
                "(() => { const c = document.createElement('canvas');"
                " return c.getContext('webgl2') ? 'webgl2' : 'none'; })()"
            )
        for code in codes[:cases]:
            floors.append(page.evaluate(FETCH_FLOOR_JS, code)["ms"])
        page.goto(f"{base}/read/{codes[0]}/{suffix}")
        loaded(page)
        first_pass, second_pass = page.evaluate(SCROLL_JS)
        page.evaluate(f"() => {{ window.readerStudyCode = '{codes[0]}'; }}")
        fetch_floor = page.evaluate(FRAME_FETCH_JS)
        browser.close()

    def fmt(values):
        return f"median {statistics.median(values):7.0f} ms (min {min(values):.0f}, max {max(values):.0f})"

    print(f"\nrenderer: {'CPU (forced)' if cpu else 'WebGL: ' + str(renderer)}; {cases} cases")
    print(f"next case -> both first images, cold : {fmt(cold)}  (target <= 2000 ms)")
    print(f"next case -> both first images, cached bundle: {fmt(cached)}  (target <= 1000 ms)")
    print(f"peer: fetch() of payload, 2 metadata, 2 frames: {fmt(floors)}")
    print(
        f"ratio cached open / fetch floor: {statistics.median(cached) / statistics.median(floors):.1f}x"
    )
    for label, run in (
        ("first pass (frames loaded as needed)", first_pass),
        ("second pass (cached)", second_pass),
    ):
        rate = run["slices"] / run["ms"] * 1000
        print(
            f"sagittal scroll, {label}: {rate:6.1f} slices/s over {run['slices']} slices (target >= 20)"
        )
    fetch_rate = fetch_floor["frames"] / fetch_floor["ms"] * 1000
    print(f"peer: sequential fetch() of the same frames: {fetch_rate:6.1f} frames/s")
    print(
        f"ratio first-pass scroll / fetch rate: {first_pass['slices'] / first_pass['ms'] * 1000 / fetch_rate:.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=4)
    parser.add_argument("--cases", type=int, default=4, help="cases opened per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu", action="store_true", help="force cornerstone's CPU renderer")
    args = parser.parse_args()
    _setup.install_signal_handlers()
    if not (DIST / ".vite" / "manifest.json").exists():
        print("frontend/dist is missing: run `make frontend` first", file=sys.stderr)
        return 2
    bundle_sizes()
    with _setup.django_env() as env:
        studies = _setup.generate_phantom(args.studies, args.seed, env.root / "phantom")
        codes = set_up_study(studies)
        from django.core.management import call_command
        from django.db import connections

        call_command("collectstatic", "--noinput", verbosity=0)
        connections.close_all()
        start = time.perf_counter()
        with _setup.serve(env.root, "granian") as base:
            drive(base, codes, min(args.cases, len(codes)), args.cpu)
        print(f"\n(browser part {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; temporary files and servers were cleaned up", file=sys.stderr)
        sys.exit(130)
