"""Execute notebooks and screenshot them as a learner would see them (for looking, not for CI).

    python tools/render_notebooks.py OUT_DIR notebooks/03_zero_shot_weirdness.ipynb ...
"""
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for nb in sys.argv[2:]:
    html = out / (Path(nb).stem + ".html")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute", "--output",
                    str(html.resolve()), nb], check=True, capture_output=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(html.resolve().as_uri())
        height = page.evaluate("document.body.scrollHeight")
        for i, top in enumerate(range(0, height, 2400)):
            page.set_viewport_size({"width": 1100, "height": min(2400, height - top)})
            page.evaluate(f"window.scrollTo(0, {top})")
            page.screenshot(path=str(out / f"{Path(nb).stem}-{i}.png"))
        browser.close()
    print(nb, "->", out)
