"""Open a local HTML page in headless Chromium (Debian's package) and report what it showed.

    report = open_page(folder / "index.html", tmp_path / "page.png")
    assert_page_ok(report)  # no errors, every image loaded, a screenshot that is not blank
    assert "Score distribution" in report.text

Skips the test when Chromium is not installed (CI installs it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

# A page of text and plots shows many colours on a white background; a blank one, one or two.
MIN_COLOURS = 16
MIN_INK = 0.01  # share of the screenshot's pixels that are not white

IMAGES_JS = """() => Array.from(document.images, image => ({
    src: image.getAttribute("src"), alt: image.alt,
    width: image.naturalWidth, height: image.naturalHeight}))"""


@dataclass(frozen=True)
class PageImage:
    """One <img> of the page: its src as written, its alt text, its decoded size (0 if broken)."""

    src: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class PageReport:
    """What the page did in Chromium."""

    page_errors: list[str]  # uncaught exceptions
    console_errors: list[str]  # console.error messages, failed resources included
    failed_requests: list[str]  # "url: why" for requests that failed or answered >= 400
    images: list[PageImage]
    text: str  # the visible text (table cells separated by tabs, rows by newlines)
    screenshot: Path  # a full-page PNG
    colours: int  # distinct colours in the screenshot
    ink: float  # share of its pixels that are not white

    @property
    def errors(self) -> list[str]:
        return self.page_errors + self.console_errors + self.failed_requests


def _measure(png: Path) -> tuple[int, float]:
    with Image.open(png) as image:
        rgb = image.convert("RGB")
    pixels = rgb.width * rgb.height
    colours = rgb.getcolors(maxcolors=pixels) or []
    white = next((count for count, colour in colours if colour == (255, 255, 255)), 0)
    return len(colours), 1 - white / pixels


def open_page(html: Path, screenshot: Path) -> PageReport:
    """Load ``html`` from disk in headless Chromium, wait for it to load, take a screenshot."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian package: chromium)")
    page_errors: list[str] = []
    console_errors: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox"])  # tests run as root
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("console", lambda message: message.type == "error"
                    and console_errors.append(message.text))
            page.on("requestfailed", lambda request: failed.append(
                f"{request.url}: {request.failure}"))
            page.on("response", lambda response: response.status >= 400
                    and failed.append(f"{response.url}: HTTP {response.status}"))
            page.goto(Path(html).resolve().as_uri(), wait_until="load")
            images = [PageImage(**found) for found in page.evaluate(IMAGES_JS)]
            text = page.inner_text("body")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return PageReport(page_errors, console_errors, failed, images, text, screenshot,
                      *_measure(screenshot))


def assert_page_ok(report: PageReport) -> None:
    """No error of any kind, every image decoded, and a screenshot that is not blank."""
    assert report.errors == []
    assert [image.src for image in report.images if image.width == 0 or image.height == 0] == []
    assert report.colours >= MIN_COLOURS and report.ink >= MIN_INK, (
        f"the screenshot {report.screenshot} looks blank: {report.colours} colours, "
        f"{report.ink:.1%} not white")
