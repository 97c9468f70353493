#!/usr/bin/env python
"""Make docs/serve.png: the explorer on a model, after searching a word, in headless Chromium.

    python docs/make_screenshot.py results/model.npz docs/serve.png --word france

Needs the serve extra, Playwright (pip install playwright) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import time

from playwright.sync_api import sync_playwright

from word2vec_numpy.cli.common import load_any
from word2vec_numpy.cli.serve import read_report
from word2vec_numpy.web.app import create_app
from word2vec_numpy.web.server import running

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--word", default="france")
    ap.add_argument("--view", default="explore", choices=["explore", "analogy", "report"])
    ap.add_argument("--tsne", action="store_true", help="switch the map to t-SNE")
    args = ap.parse_args()
    vectors, model = load_any(args.model)
    name = args.model.rsplit("/", 1)[-1]
    app = create_app(vectors, model, read_report(args.model), name=name)
    with running(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"{url}#explore/{args.word}")
        page.wait_for_selector("#neighbours li")
        page.wait_for_selector("#map-status:has-text('PCA of the')")
        if args.tsne:
            page.click("[data-method=tsne]")
            page.wait_for_selector("#map-status:has-text('t-SNE of the')", timeout=300_000)
        if args.view == "analogy":
            page.click("#tab-analogy")
            page.click("#an-example")
            page.wait_for_selector("#analogy-results li")
        elif args.view == "report":
            page.click("#tab-report")
            page.wait_for_selector(".stat")
        time.sleep(1.0)  # the bars' transition
        page.screenshot(path=args.out)
        browser.close()
    try:  # a 256-colour palette keeps the PNG small (about 60 kB instead of 220)
        from PIL import Image
    except ImportError:
        return
    image = Image.open(args.out).convert("RGB")
    image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        args.out, optimize=True
    )


if __name__ == "__main__":
    main()
