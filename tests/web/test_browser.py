"""The page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright,
against the app served on 127.0.0.1. Search, neighbours, "did you mean", analogies, the map,
the report, and hostile words shown as text with no script run.

Screenshots go to ``$W2V_SCREENSHOTS`` if set, else to pytest's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need Playwright: pip install playwright"
)

from explorer_data import HOSTILE, toy_vectors  # noqa: E402

from word2vec_numpy.cli.common import load_any  # noqa: E402
from word2vec_numpy.web.app import create_app  # noqa: E402
from word2vec_numpy.web.server import running  # noqa: E402

CHROMIUM = os.environ.get("W2V_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's chromium package (apt-get install "
        "chromium) to run the browser tests",
        allow_module_level=True,
    )

# Headless, no sandbox (CI runs as root), and no calls home (the machine has no network).
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPORT = {
    "metrics": {
        "corpus_tokens": 1_000_000,
        "vocab_size": 333,
        "seconds": 12.5,
        "words_per_second": 400_000.0,
        "epoch_losses": [2.9, 2.6, 2.5],
        "final_loss": 2.5,
        "hyperparameters": {"model": "skipgram", "dim": 24, "window": 5},
    },
    "evaluation": {
        "analogies": {
            "accuracy": 0.4321,
            "correct": 4321,
            "total": 10000,
            "skipped": 12,
            "semantic": {"accuracy": 0.5},
            "syntactic": {"accuracy": 0.4},
            "sections": [
                {"section": "capital-common-countries", "correct": 5, "total": 6, "accuracy": 5 / 6}
            ],
        },
        "pairs": [
            {
                "source": "/data/wordsim353.tsv",
                "spearman": 0.61,
                "pearson": 0.6,
                "pairs": 353,
                "oov_ratio": 0.0,
            }
        ],
    },
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("W2V_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The toy vectors saved to a vectors file and loaded as ``serve`` loads MODEL."""
    path = tmp_path_factory.mktemp("model") / "toy.npz"
    toy_vectors().save(path)
    vectors, model = load_any(path)
    assert set(HOSTILE) <= set(vectors.index_to_key)
    app = create_app(vectors, model, REPORT, name=path.name)
    with running(app, host="127.0.0.1") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.problems = []  # page errors, dialogs (alert), CSP violations, failed requests
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.set_default_timeout(30_000)
    pg.goto(server)
    pg.wait_for_selector("#model-info b")
    yield pg
    context.close()


def until(pg, expression: str, timeout: float = 30.0) -> None:
    """Wait until the JavaScript ``expression`` is true. Polled from here: Playwright's own
    wait_for_function evaluates strings inside the page, which the page's CSP forbids."""
    deadline = time.monotonic() + timeout
    while not pg.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def search(pg, word: str) -> None:
    pg.fill("#search", word)
    pg.press("#search", "Enter")


def neighbour_words(pg) -> list[str]:
    pg.wait_for_selector("#neighbours li")
    return pg.locator("#neighbours .word").all_inner_texts()


def test_search_shows_neighbours_and_follows_clicks(page, shots):
    page.fill("#search", "prin")
    page.wait_for_selector("#suggest li")
    assert page.locator("#suggest li").all_inner_texts()[:2] == ["prince", "princess"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#neighbours-title').textContent.startsWith('prince')")
    words = neighbour_words(page)
    assert len(words) == 10 and words[0] == "king"
    assert page.locator("#neighbours .val").first.inner_text().startswith("0.9")
    page.screenshot(path=shots / "neighbours.png")
    # clicking a neighbour searches it
    page.locator("#neighbours .word", has_text="queen").first.click()
    until(page, "document.querySelector('#neighbours-title').textContent.startsWith('queen')")
    assert page.input_value("#search") == "queen" and page.url.endswith("#explore/queen")
    assert page.problems == []


def test_unknown_word_offers_did_you_mean(page):
    search(page, "kign")
    chip = page.locator("#search-status .chip", has_text="king")
    chip.wait_for()
    assert "not in the vocabulary" in page.inner_text("#search-status")
    chip.click()
    until(page, "document.querySelector('#neighbours-title').textContent.startsWith('king')")
    assert neighbour_words(page)


def test_analogy(page, shots):
    page.click("#tab-analogy")
    page.fill("#an-a", "king")
    page.fill("#an-b", "man")
    page.fill("#an-c", "woman")
    page.click("#analogy-form button[type=submit]")
    page.wait_for_selector("#analogy-results li")
    assert page.inner_text("#an-answer") == "queen"
    assert page.locator("#analogy-results .word").first.inner_text() == "queen"
    page.screenshot(path=shots / "analogy.png")
    page.check("input[value='3cosmul']")
    page.click("#analogy-form button[type=submit]")
    until(page, "document.querySelector('#analogy-status').textContent.includes('3CosMul')")
    assert page.locator("#analogy-results .word").first.inner_text() == "queen"
    # word lists
    page.click("[data-mode=lists]")
    page.fill("#an-pos", "apple pear")
    page.fill("#an-neg", "")
    page.click("#analogy-form button[type=submit]")
    until(page, "document.querySelector('#analogy-status').textContent.startsWith('apple + pear')")
    assert page.locator("#analogy-results .word").first.inner_text() in {
        "plum",
        "cherry",
        "peach",
        "grape",
    }
    assert page.problems == []


def painted_pixels(pg) -> int:
    return pg.evaluate(
        """() => {
            const c = document.getElementById('map');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n;
        }"""
    )


def test_map_draws_highlights_and_zooms(page, shots):
    until(page, "document.querySelector('#map-status').textContent.includes('PCA of the')")
    before = painted_pixels(page)
    assert before > 1000  # points and labels, not an empty canvas
    search(page, "king")
    until(
        page,
        "document.querySelector('#map-status').textContent.includes('neighbours are on the map')",
    )
    assert "10 of its 10 neighbours" in page.inner_text("#map-status")
    page.screenshot(path=shots / "map.png")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)  # zoom in
    page.wait_for_timeout(200)
    assert painted_pixels(page) != before
    if page.evaluate("window.matchMedia('(prefers-color-scheme: dark)').matches") is False:
        page.click("#map-reset")
    assert page.problems == []


def test_tsne_map(page):
    pytest.importorskip("sklearn")
    until(page, "document.querySelector('#map-status').textContent.includes('PCA of the')")
    page.click("[data-method=tsne]")
    until(
        page,
        "document.querySelector('#map-status').textContent.includes('t-SNE of the')",
        timeout=120,
    )
    assert painted_pixels(page) > 1000


def test_hostile_words_render_as_text_and_run_nothing(page, shots):
    search(page, "king")
    words = neighbour_words(page)
    for hostile in HOSTILE:
        assert hostile in words  # shown literally, character for character
    # no element was made from a word: no <img>, <b> or <script> inside the results
    assert page.locator("#neighbours img, #neighbours b, #neighbours script").count() == 0
    assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
    # search a hostile word itself: it is the title, as text
    search(page, HOSTILE[0])
    until(
        page,
        "document.querySelector('#neighbours-title').firstChild.textContent === "
        "'<img src=x onerror=alert(1)>'",
    )
    assert page.url.endswith("#explore/" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    # and through the address bar: a hash holding markup is still only a word
    page.goto(page.url.split("#")[0] + "#explore/%3C%2Fscript%3E")
    until(
        page, "document.querySelector('#neighbours-title').firstChild.textContent === '</script>'"
    )
    page.fill("#search", "<im")
    page.wait_for_selector("#suggest li")
    assert HOSTILE[0] in page.locator("#suggest li").all_inner_texts()
    page.screenshot(path=shots / "hostile.png")
    assert page.evaluate("window.__pwned") is None
    # the policy forbids inline scripts: one put into the page does not run
    ran = page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__inline = 1';
            document.body.append(s);
            return window.__inline === 1;
        }"""
    )
    assert ran is False
    problems = [p for p in page.problems if "Content Security Policy" not in p]
    assert problems == []  # no alert dialog, no error


def test_report_tab(page, shots):
    assert page.is_visible("#tab-report")
    page.click("#tab-report")
    page.wait_for_selector(".stat")
    text = page.inner_text("#report")
    assert "1.00 M" in text and "400 k" in text and "43.2%" in text and "wordsim353.tsv" in text
    assert "capital-common-countries" in text
    assert page.locator("#report svg circle.epoch").count() == 3
    page.screenshot(path=shots / "report.png", full_page=True)
    assert page.problems == []


def test_a_link_with_a_malformed_escape_still_loads_the_page(page, server):
    """``decodeURIComponent`` throws on "50%": the start of the page stopped there (no map)."""
    page.goto(server + "#explore/50%")
    page.reload()
    until(page, "document.querySelector('#map-status').textContent.includes('PCA of the')")
    assert painted_pixels(page) > 1000
    # the word "50%" is searched and is unknown (its 404 is logged); the script ran on
    assert "not in the vocabulary" in page.inner_text("#search-status")
    assert [p for p in page.problems if not p.endswith("(Not Found)")] == []
