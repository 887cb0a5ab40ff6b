"""The feedback page and the class dashboard in a real browser: Debian's chromium, driven by Selenium.

A class of 32 goes through the real batch (its worker pool, its files): 30
students graded, from six submissions graded once each in-process on the fake
runner (tests/fake_runner.py: the solutions and mutants of tests/mutants.py,
trusted code), one whose notebook cannot be read and one the grader fails on.
Then a person's checks: the score is there, each failing part opens, the
charts count what the class did, every link leads to the right page, nothing
overflows at 1000 or 400 px, the console stays clean, and print shows every
panel. Screenshots go to a folder under pytest's temporary directory (its path
is printed); with LSTM_GRADER_SCREENSHOTS=docs/screenshots they also replace
the README's pictures.

Outside CI the tests skip when chromium, chromedriver or selenium is missing;
in CI (.ci/run installs them) they must run.
"""
from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

import grader.course.grade_student as grade_student
from fake_runner import grade_in_process
from grader.course.batch import BatchOptions, run_batch
from grader.course.students import Entry
from grader.engine.results import Report
from grader.sandbox import resolve_sandbox
from mutants import MUTANTS, edit_of, edited_solutions

pytestmark = pytest.mark.slow  # starts a browser and grades a class through the batch's worker pool

REPO = Path(__file__).resolve().parent.parent
CORE_FILES = ["part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"]
PRINTS_A_SCRIPT = ("part2_cell_backward.py", "    dz = dt * (1.0 - t**2)\n",
                   "    print(\"<script>alert('hi')</script> t:\", t.shape)\n    dz = dt @ t\n")
# name: (mistakes, files): "several" fails in every way a part can but a timeout, and has no bonus files
SUBMISSIONS: dict[str, tuple[tuple[str, ...], list[str] | None]] = {
    "correct": ((), None),
    "several": (("forget_gate.tanh_instead_of_sigmoid", "gate_backward.db_mean"), CORE_FILES),
    "tanh_gate": (("forget_gate.tanh_instead_of_sigmoid",), None),
    "db_mean": (("gate_backward.db_mean",), None),
    "bptt_forwards": (("lstm_backward.time_walked_forwards",), None),
    "gates_swapped": (("cell_update.f_and_i_swapped",), None),
}
FEATURED = "ada"  # the student with several kinds of failure
UNREADABLE, BROKEN = "zoe", "mallory"
WIDTHS = (1000, 400)
graded_reports: dict[str, Report] = {}  # set before the batch starts: its forked workers see it


def need(found: object, what: str) -> None:
    """Skip without `found`, outside CI; in CI a missing browser is a failure."""
    if not found:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"{what} not found")


def submission_of(student: str) -> str:
    if student == FEATURED:
        return "several"
    names = [name for name in SUBMISSIONS if name != "several"]
    return names[int(student[-2:]) % len(names)]


def fake_grade_entry(entry: Entry, seed: int, parts: Any, timeout: float, sandbox: Any) -> Report | dict[str, Any]:
    """grade_entry for the batch's workers: the reports graded beforehand, and two students who are not graded."""
    if entry.student == UNREADABLE:
        return {"error": f"{entry.path.name}: not valid nbformat"}
    if entry.student == BROKEN:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return dataclasses.replace(graded_reports[submission_of(entry.student)], submission=entry.path.name)


def grade_submissions(folder: Path) -> dict[str, Report]:
    mutants = {mutant.id: mutant for mutant in MUTANTS}
    reports = {}
    for name, (mistakes, files) in SUBMISSIONS.items():
        edits = [edit_of(mutants[mistake]) for mistake in mistakes] + ([PRINTS_A_SCRIPT] if name == "several" else [])
        reports[name] = grade_in_process(edited_solutions(folder / name, edits, files))
    return reports


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The batch's output folder for the class, with HTML feedback."""
    root = tmp_path_factory.mktemp("browser-class")
    graded_reports.update(grade_submissions(root / "graded"))
    source = root / "submissions"
    source.mkdir()
    for student in [FEATURED, *(f"student{number:02d}" for number in range(1, 30)), BROKEN]:
        (source / f"{student}.py").write_text("# graded beforehand\n")
    (source / f"{UNREADABLE}.ipynb").write_text("{ not a notebook")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grade_student, "grade_entry", fake_grade_entry)
        result = run_batch(source, BatchOptions(out=root / "out", jobs=2, feedback_format="html",
                                                sandbox=resolve_sandbox("process")))
    assert result.graded == 30 and set(result.ungradable) == {UNREADABLE} and set(result.grader_errors) == {BROKEN}
    yield root / "out"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = next((shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)), None)
    need(binary, "chromium")
    need(shutil.which("chromedriver"), "chromedriver (Debian's chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        need(False, "selenium")
    options = webdriver.ChromeOptions()
    options.binary_location = str(binary)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1000,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots in {folder}")
    return folder


def width(driver: Any, pixels: int, height: int = 900) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": pixels, "height": height, "deviceScaleFactor": 1, "mobile": False})


def open_page(driver: Any, path: Path, pixels: int = 1000) -> None:
    width(driver, pixels)
    driver.get(path.as_uri())
    assert console_errors(driver) == []


def console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def css(driver: Any, selector: str) -> list[Any]:
    return driver.find_elements("css selector", selector)


def save_screenshot(driver: Any, folder: Path, name: str) -> Path:
    """A screenshot of the window, made small (64 colours) for the repository, kept under `folder`."""
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=64).save(path, optimize=True)
    except ImportError:
        pass
    docs = os.environ.get("LSTM_GRADER_SCREENSHOTS")
    if docs and name in ("feedback", "dashboard"):
        shutil.copyfile(path, REPO / docs / path.name)
    return path


def saved_report(out: Path, student: str) -> dict[str, Any]:
    return json.loads((out / "reports" / f"{student}.json").read_text(encoding="utf-8"))


def test_the_feedback_page_shows_the_score_and_opens_each_failing_part(browser: Any, graded_class: Path,
                                                                       screenshots: Path) -> None:
    report = saved_report(graded_class, FEATURED)
    open_page(browser, graded_class / "feedback" / f"{FEATURED}.html")
    assert browser.title == f"Feedback for {FEATURED}"
    score = css(browser, "#score")[0]
    assert score.is_displayed() and score.text == f"{report['score']:g} / {report['max_score']:g}"
    assert css(browser, "#bonus")[0].text == f"{report['bonus']:g} / {report['max_bonus']:g}"
    rows = css(browser, "#parts tbody tr")
    assert [row.get_attribute("data-part") for row in rows] == [part["name"] for part in report["parts"]]
    assert [row.find_element("css selector", ".status").text for row in rows] == [
        part["status"].upper() for part in report["parts"]]
    failing = [part["name"] for part in report["parts"] if part["status"] != "pass"]
    assert {"fail", "error", "missing"} <= {part["status"] for part in report["parts"]}
    panels = css(browser, "details.panel")
    assert [panel.get_attribute("data-part") for panel in panels] == failing
    for panel in panels:
        body = panel.find_element("css selector", ".panel-body")
        assert not body.is_displayed()
        panel.find_element("css selector", "summary").click()
        assert body.is_displayed() and panel.get_attribute("open") is not None, panel.get_attribute("data-part")
    gradients = css(browser, "#part-gate_backward table.gradients tr.wrong td")
    assert [cell.text for cell in gradients][::4] == ["db"]
    printed = css(browser, "#part-tanh_backward pre")[0].text
    assert printed.startswith("<script>alert('hi')</script>") and len(css(browser, "script")) == 1
    assert css(browser, "#passing li") and not css(browser, "#passing li")[0].is_displayed()
    assert console_errors(browser) == []
    for panel in panels[1:]:
        panel.find_element("css selector", "summary").click()
    browser.execute_script("window.scrollTo(0, 0)")
    width(browser, 1000, 1250)
    save_screenshot(browser, screenshots, "feedback")


def test_the_feedback_page_works_without_javascript_and_prints_every_panel_open(browser: Any,
                                                                                graded_class: Path) -> None:
    page = graded_class / "feedback" / f"{FEATURED}.html"
    visible = "return Array.from(document.querySelectorAll('.panel-body')).map(body => body.checkVisibility())"
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(browser, page)
        panel = css(browser, "details.panel")[0]
        panel.find_element("css selector", "summary").click()
        assert panel.find_element("css selector", ".panel-body").is_displayed()
        browser.get(page.as_uri())
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        shown = browser.execute_script(visible)
        assert shown and all(shown)  # closed panels print open without the script
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    open_page(browser, page)
    assert not any(browser.execute_script(visible))


def bars(driver: Any, figure: str, prefix: str) -> list[Any]:
    return css(driver, f"#{figure} svg [id^='{prefix}']")


def test_the_dashboard_charts_count_what_the_class_did(browser: Any, graded_class: Path, screenshots: Path) -> None:
    summary = json.loads((graded_class / "summary.json").read_text(encoding="utf-8"))
    open_page(browser, graded_class / "summary.html")
    assert browser.find_element("id", "headline").text.startswith("30 of 32 submissions graded")
    alert = browser.find_element("id", "not-graded")
    assert alert.location["y"] < browser.find_element("id", "scores").location["y"]
    assert {item.get_attribute("data-student") for item in alert.find_elements("css selector", "li")} == {
        UNREADABLE, BROKEN}
    assert "not valid nbformat" in alert.text and "No space left on device" in alert.text
    assert len(bars(browser, "histogram", "score-bin-")) == len(summary["histogram"]) == 10
    counts = [row["count"] for row in summary["histogram"] if row["count"]]
    assert [label.text for label in bars(browser, "histogram", "score-count-")] == [str(count) for count in counts]
    assert sum(counts) == 30
    parts = summary["parts"]
    assert [bar.get_attribute("id") for bar in bars(browser, "pass-rate", "pass-rate-") if "label" not in
            bar.get_attribute("id")] == [f"pass-rate-{name}" for name in parts]
    assert [label.text for label in bars(browser, "pass-rate", "pass-rate-label-")] == [
        f"{100 * part['pass_rate']:.0f}%" for part in parts.values()]
    assert len(bars(browser, "mean-points", "mean-points-label-")) == len(parts) == 21
    assert all(figure.size["height"] > 100 for figure in css(browser, "figure svg"))
    width(browser, 1000, 1250)
    save_screenshot(browser, screenshots, "dashboard")


def test_every_link_of_the_dashboard_leads_to_the_right_feedback_page(browser: Any, graded_class: Path) -> None:
    open_page(browser, graded_class / "summary.html")
    rows = {row.get_attribute("data-student"): row for row in css(browser, "#student-table tbody tr")}
    assert len(rows) == 32
    links = {student: (row.find_elements("css selector", "a"), row.find_elements("css selector", "td")[1].text)
             for student, row in rows.items()}
    assert not links[UNREADABLE][0] and not links[BROKEN][0]
    pages = {student: (found[0].get_attribute("href"), score) for student, (found, score) in links.items() if found}
    mistakes = {item.get_attribute("data-mistake"): [link.text for link in item.find_elements("css selector", "a")]
                for item in css(browser, "#mistakes li[data-mistake]")}
    made = {}
    for student in pages:
        for part in saved_report(graded_class, student)["parts"]:
            if part["diagnosis"]:
                made.setdefault(part["diagnosis"], []).append(student)
    assert mistakes == {mistake: sorted(set(students), key=students.index) for mistake, students in made.items()}
    for student, (href, score) in pages.items():
        browser.get(href)
        assert browser.title == f"Feedback for {student}"
        assert browser.find_element("id", "score").text.split(" / ")[0] == score
    open_page(browser, graded_class / "summary.html")
    mistake = css(browser, "#mistakes li[data-mistake] a")[0]
    student = mistake.text
    mistake.click()
    assert browser.title == f"Feedback for {student}"
    assert console_errors(browser) == []


def test_the_student_table_sorts_with_javascript_and_keeps_the_gradebook_order_without(browser: Any,
                                                                                       graded_class: Path) -> None:
    page = graded_class / "summary.html"

    def scores() -> list[float]:
        cells = css(browser, "#student-table tbody td:nth-child(2)")
        return [float(cell.get_attribute("data-value")) for cell in cells]

    open_page(browser, page)
    before = scores()
    heading = css(browser, "#student-table thead th:nth-child(2) button")[0]
    heading.click()
    assert scores() == sorted(before)
    heading.click()
    assert scores() == sorted(before, reverse=True)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(page.as_uri())
        assert scores() == before and not css(browser, "#student-table button")
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.parametrize("pixels", WIDTHS)
@pytest.mark.parametrize("page", ["feedback", "dashboard"])
def test_nothing_overflows_and_the_console_stays_clean(browser: Any, graded_class: Path, screenshots: Path,
                                                      page: str, pixels: int) -> None:
    path = graded_class / ("summary.html" if page == "dashboard" else f"feedback/{FEATURED}.html")
    open_page(browser, path, pixels)
    browser.execute_script("document.querySelectorAll('details').forEach(details => { details.open = true; })")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert browser.execute_script("return window.innerWidth") == pixels
    clipped = browser.execute_script(
        "return Array.from(document.querySelectorAll('.scroll, pre, .values, figure'))"
        ".filter(element => element.scrollWidth > element.clientWidth + 1)"
        ".map(element => element.outerHTML.slice(0, 80))")
    assert clipped == []
    assert console_errors(browser) == []
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width(browser, pixels, min(height, 8000))
    save_screenshot(browser, screenshots, f"{page}-{pixels}px-all-open")
