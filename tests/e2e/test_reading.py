"""The reading workstation in a real browser: a whole case by keyboard and mouse, autosave
across a reload and a lost connection, the washout lock, the AI arm, and blinding."""

from __future__ import annotations

import pytest

from grading.models import Read
from tests.e2e.conftest import (
    db_settled,
    log_in,
    open_case,
    screenshot,
    wait_loaded,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Mostly normal/mild, one moderate site that then needs a mark (protocol: marks from grade 2).
MARKED_SITE_INDEX = 6  # row L2-L3, second column: the left lateral recess, on AX T2


def keyboard_grades(n_sites: int) -> list[int]:
    grades = [(i * 7) % 2 for i in range(n_sites)]
    grades[MARKED_SITE_INDEX] = 2
    return grades


def state(page) -> dict:
    return page.evaluate("() => window.readerStudy.app.state()")


def wait_saved(page):
    wait_until(page, "window.readerStudy.app.state().saveState === 'saved'")


def test_a_reader_reads_a_whole_case_with_keyboard_and_mouse(live_server, page, reading_study):
    log_in(page, live_server, "rita")
    page.add_init_script("localStorage.setItem('readerstudy:cpu', '1')")
    page.click("#continue")  # the worklist's "Continue": the first unread case
    first, second = reading_study.assignments("rita", 1)
    page.wait_for_url(f"**/read/{first.code}/")
    wait_loaded(page)
    sites = state(page)
    assert sites["viewer"]["sagittal"]["count"] > 1 and sites["viewer"]["axial"]["count"] > 1

    # Scroll and window with the mouse, as a radiologist would.
    sagittal = page.locator('[data-viewport="sagittal"]')
    before = state(page)["viewer"]["sagittal"]["index"]
    sagittal.hover()
    page.mouse.wheel(0, 300)
    wait_until(page, f"window.readerStudy.app.state().viewer.sagittal.index !== {before}")

    grades = keyboard_grades(25)
    page.locator("table.grid").focus()
    for value in grades:
        page.keyboard.press(str(value))
    entered = state(page)["grades"]
    assert len(entered) == 25

    # The moderate site needs a mark: select it, pick the box tool, draw on the axial image.
    page.locator("table.grid td").nth(MARKED_SITE_INDEX).click()
    site = state(page)["activeSite"]
    assert state(page)["viewer"]["axial"]["label"] == "AX T2"
    page.keyboard.press("b")
    target = (100.0, 90.0)  # the box's centre, in image pixels (first pixel centre = 0, 0)
    corner_a = page.evaluate("() => window.readerStudy.app.viewer.pixelToClient('axial', [90, 80])")
    corner_b = page.evaluate(
        "() => window.readerStudy.app.viewer.pixelToClient('axial', [110, 100])"
    )
    page.mouse.move(*corner_a)
    page.mouse.down()
    page.mouse.move((corner_a[0] + corner_b[0]) / 2, (corner_a[1] + corner_b[1]) / 2, steps=4)
    page.mouse.move(*corner_b, steps=4)
    page.mouse.up()
    wait_until(page, "window.readerStudy.app.state().marks.length === 1")
    mark = state(page)["marks"][0]
    assert mark["site"] == site and mark["kind"] == "box"
    axial_uid = state(page)["viewer"]["axial"]["sopInstanceUid"]
    screenshot(page, "reading-page.png")

    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/read/{second.code}/", timeout=15000)

    def stored_read():
        read = Read.objects.get(assignment=first)
        return read, {g.site: g.grade for g in read.grades.all()}, list(read.marks.all())

    read, stored, marks = db_settled(stored_read)
    assert read.status == "submitted"
    assert stored == {code: entered[code] for code in entered}
    assert sorted(stored.values()) == sorted(grades)
    (box,) = marks
    assert box.site == site and box.kind == "box" and box.sop_instance_uid == axial_uid
    assert box.image_xy == pytest.approx(list(target), abs=1.0)
    assert box.box_xyxy == pytest.approx([90, 80, 110, 100], abs=1.0)
    assert read.active_seconds is not None and read.active_seconds > 0

    # The submitted case opens read-only: no submit button, keys change nothing.
    open_case(page, f"{live_server.url}/read/{first.code}/")
    assert state(page)["status"] == "submitted" and state(page)["grades"] == entered
    assert page.locator("[data-banner]").is_visible()
    assert not page.locator("[data-submit]").is_visible()
    page.locator("table.grid").focus()
    page.keyboard.press("3")
    assert state(page)["grades"] == entered
    assert [m["locked"] for m in state(page)["viewer"]["marks"]] == [True]


def test_autosave_survives_a_reload_and_a_lost_connection(live_server, page, reading_study):
    log_in(page, live_server, "rita")
    assignment = reading_study.assignments("rita", 1)[0]
    url = f"{live_server.url}/read/{assignment.code}/"
    open_case(page, url)
    page.locator("table.grid").focus()
    for key in "0123":
        page.keyboard.press(key)
    wait_saved(page)
    open_case(page, url)  # reload mid-read
    assert list(state(page)["grades"].values()) == [0, 1, 2, 3]

    page.context.set_offline(True)
    page.locator("table.grid").focus()
    page.keyboard.press("n")  # not assessable, while the server is unreachable
    wait_until(page, "window.readerStudy.app.state().saveState === 'offline'")
    assert "Offline" in page.locator("[data-save-state]").inner_text()
    page.context.set_offline(False)
    wait_saved(page)
    draft = db_settled(lambda: Read.objects.get(assignment=assignment).draft)
    assert list(draft["grades"].values()) == [0, 1, 2, 3, "na"]


def test_a_washout_session_and_another_readers_case_are_refused(live_server, page, reading_study):
    log_in(page, live_server, "rita")
    locked = reading_study.assignments("rita", 2)[0]
    assert page.goto(f"{live_server.url}/read/{locked.code}/").status == 404
    page.goto(f"{live_server.url}/")
    assert "Locked until" in page.content() and locked.code not in page.content()
    others = reading_study.assignments("otto", 1)[0]
    assert page.goto(f"{live_server.url}/read/{others.code}/").status == 404
    api = page.request.get(f"{live_server.url}/api/assignments/{others.code}/")
    assert api.status == 404


def test_the_ai_overlay_appears_only_in_the_ai_assisted_session(live_server, page, reading_study):
    log_in(page, live_server, "rita")
    assisted = reading_study.assignments("rita", 3)[0]
    open_case(page, f"{live_server.url}/read/{assisted.code}/")
    ai = state(page)["ai"]
    assert ai == {"visible": True, "marks": 25, "grades": 25}
    assert state(page)["grades"] == {}  # the model's grades are never prefilled
    assert page.locator(".ai-panel").is_visible()
    locked_marks = [m for m in state(page)["viewer"]["marks"] if m["locked"]]
    assert len(locked_marks) == 25
    site = state(page)["activeSite"]
    (model_mark,) = db_settled(
        lambda: list(
            Read.objects.get(
                assignment__case=assisted.case, assignment__reader__kind="model"
            ).marks.filter(site=site)
        )
    )
    page.locator(".ai-marks button").first.click()  # "Go to AI point 1" for the active cell
    wait_until(
        page,
        f"['sagittal', 'axial'].some((v) => window.readerStudy.app.state().viewer[v]"
        f".sopInstanceUid === '{model_mark.sop_instance_uid}')",
    )
    page.keyboard.press("a")
    assert state(page)["ai"]["visible"] is False

    unaided = reading_study.assignments("rita", 1)[0]
    open_case(page, f"{live_server.url}/read/{unaided.code}/")
    assert state(page)["ai"] is None
    assert not page.locator(".ai-panel").is_visible()
    assert state(page)["viewer"]["marks"] == []


def test_no_patient_data_reaches_the_page_or_any_of_its_requests(live_server, page, reading_study):
    from fixtures.phantom import planted_phi

    planted = [text.encode() for index in range(2) for text in planted_phi(5, index)]
    responses = []
    log_in(page, live_server, "rita")
    page.on("response", lambda response: responses.append(response))
    assignment = reading_study.assignments("rita", 3)[0]  # AI-assisted: the most content
    open_case(page, f"{live_server.url}/read/{assignment.code}/")
    page.keyboard.press("ArrowDown")
    seen = [page.content().encode()]
    for response in responses:
        seen.append(response.url.encode())
        seen.append(str(response.headers).encode())
        if 200 <= response.status < 300:
            seen.append(response.body())
    assert any(b"frames/1" in blob for blob in seen)  # the pixels were among them
    everything = b"\n".join(seen)
    leaked = [text for text in planted if text in everything]
    assert leaked == []
    origins = {response.url.split("/")[2] for response in responses}
    assert origins == {live_server.url.split("/")[2]}  # nothing from a third party
