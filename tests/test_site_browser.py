"""The built site in a real browser: headless Chromium over the DevTools protocol (through a pipe, no extra
packages). Screenshots of a prime page and the home page, light and dark, go to ``artifacts/site/``."""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BUNDLED, ROOT, TINY
from primes.site.build import build_site

ARTIFACTS = ROOT / "artifacts" / "site"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


class Chromium:
    """Just enough of the DevTools protocol: one page, commands and events over --remote-debugging-pipe."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="primes-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # the protocol pipe is fds 3 (commands in) and 4 (replies out)
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, "--remote-debugging-pipe", "--hide-scrollbars", f"--user-data-dir={self.profile}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=child_fds,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            self._events.append(reply)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for i, message in enumerate(self._events):
                if message.get("method") == event:
                    del self._events[i]
                    return
            self._events.append(self._read(deadline))

    def open(self, url: str, width: int = 1280, height: int = 900) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session=True)
        self._events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(reply["exceptionDetails"])
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline: float | None = None) -> dict[str, Any]:
        deadline = deadline if deadline is not None else time.monotonic() + 30
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the protocol pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    assert CHROMIUM is not None
    chromium = Chromium(CHROMIUM)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("bundled-site") / "site"
    build_site(BUNDLED, config_file=ROOT / "site" / "mkdocs.yml", out_dir=out, strict=True)
    with serve(out) as url:
        yield url


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The tiny catalog with a 60-character name in the centre and 25 more children, some with long names."""
    work = tmp_path_factory.mktemp("crowded")
    catalog = work / "catalog"
    shutil.copytree(TINY, catalog, ignore=shutil.ignore_patterns(".primes-cache"))
    whole = catalog / "primes" / "whole.yaml"
    whole.write_text(
        whole.read_text(encoding="utf-8").replace(
            "name: Whole", "name: Cross Scale Interaction Between Fast And Slow Adaptive Cycles"
        ),
        encoding="utf-8",
    )
    template = yaml.safe_load((catalog / "primes" / "piece.yaml").read_text(encoding="utf-8"))
    for i in range(25):
        record = dict(template)
        record["id"] = f"child-{i:02d}"
        record["name"] = f"Child {i:02d}" if i % 3 else f"A Rather Long Child Name Number {i:02d} Of Many More"
        record["decomposes"] = [{"prime": "whole", "note": f"child {i} of the whole"}]
        path = catalog / "primes" / f"child-{i:02d}.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = work / "site"
    build_site(catalog, config_file=ROOT / "site" / "mkdocs.yml", out_dir=out)
    with serve(out) as url:
        yield url


# Measured in the browser, with the fonts it really uses: every box inside the viewport, no two boxes
# overlapping, every line of text inside its box, and text that stands out from the background.
GEOMETRY = """(() => {
  const svg = document.querySelector('.primes-one-hop');
  svg.scrollIntoView({block: 'center'});
  const view = {w: window.innerWidth, h: window.innerHeight};
  const nodes = [...svg.querySelectorAll('g.primes-node')].map(g => {
    const r = g.querySelector('rect').getBoundingClientRect();
    const texts = [...g.querySelectorAll('text')].map(t => {
      const b = t.getBoundingClientRect();
      return {text: t.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom};
    });
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, texts,
            href: (g.querySelector('a') || {getAttribute: () => null}).getAttribute('href')};
  });
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => { const [r, g, b] = c.map(channel); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const text = getComputedStyle(svg.querySelector('.primes-name')).fill;
  const bg = getComputedStyle(document.body).backgroundColor;
  const [a, b] = [lum(rgb(text)), lum(rgb(bg))].sort((x, y) => y - x);
  const box = svg.getBoundingClientRect();
  return {view, nodes, contrast: (a + 0.05) / (b + 0.05), svg: {width: box.width, height: box.height},
          scheme: document.body.getAttribute('data-md-color-scheme')};
})()"""


def check_diagram(result: dict[str, Any], *, expect_nodes: int | None = None) -> None:
    nodes = result["nodes"]
    assert result["svg"]["width"] > 200 and result["svg"]["height"] > 50, "the diagram is not visible"
    if expect_nodes is not None:
        assert len(nodes) == expect_nodes
    for node in nodes:
        for text in node["texts"]:
            assert node["left"] - 0.5 <= text["left"] and text["right"] <= node["right"] + 0.5, f"cut text: {text}"
            assert node["top"] - 0.5 <= text["top"] and text["bottom"] <= node["bottom"] + 0.5, f"cut text: {text}"
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            apart = (
                a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            )
            assert apart, f"overlapping boxes: {a['texts']} / {b['texts']}"
    assert result["contrast"] >= 4.5, f"text contrast {result['contrast']:.1f} in scheme {result['scheme']}"


def set_scheme(browser: Chromium, scheme: str) -> None:
    browser.js(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_prime_page_diagram_in_the_browser(browser: Chromium, bundled_site: str, scheme: str) -> None:
    browser.open(f"{bundled_site}/primes/micro-macro-linkage/")
    set_scheme(browser, scheme)
    result = browser.js(GEOMETRY)
    check_diagram(result, expect_nodes=7)
    view = result["view"]
    for node in result["nodes"]:
        assert node["left"] >= 0 and node["right"] <= view["w"], "a node is outside the viewport"
        assert node["top"] >= 0 and node["bottom"] <= view["h"], "a node is outside the viewport"
    assert {n["href"] for n in result["nodes"] if n["href"]} == {
        "../aggregation/",
        "../downward-causation/",
        "../emergence/",
        "../scaling-and-scale-dependence/",
    }
    browser.screenshot(ARTIFACTS / f"prime-{'dark' if scheme == 'slate' else 'light'}.png")


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_home_page_in_the_browser(browser: Chromium, bundled_site: str, scheme: str) -> None:
    browser.open(f"{bundled_site}/")
    set_scheme(browser, scheme)
    text = browser.js("document.querySelector('article').innerText")
    assert "48 primes" in text
    assert "Foundational Primes" in text
    links = browser.js("[...document.querySelectorAll('article a')].map(a => a.getAttribute('href'))")
    assert "primes/micro-macro-linkage/" in links
    browser.screenshot(ARTIFACTS / f"home-{'dark' if scheme == 'slate' else 'light'}.png")


def test_a_crowded_diagram_in_the_browser(browser: Chromium, crowded_site: str) -> None:
    browser.open(f"{crowded_site}/primes/whole/", height=1400)
    result = browser.js(GEOMETRY)
    check_diagram(result, expect_nodes=1 + 27 + 2)  # centre, 27 children, 2 contrasted-by
    centre = result["nodes"][0]
    name = " ".join(t["text"] for t in centre["texts"])
    assert name == "Cross Scale Interaction Between Fast And Slow Adaptive Cycles"
    browser.screenshot(ARTIFACTS / "crowded-diagram.png")


def test_search_finds_a_prime_by_a_word_of_its_text(browser: Chromium, bundled_site: str) -> None:
    browser.open(f"{bundled_site}/")
    # "Philipson" appears only in the epidemiology use of Micro Macro Linkage.
    titles = browser.js("""(async () => {
      const input = document.querySelector('.md-search__input');
      input.focus();
      input.value = 'Philipson';
      input.dispatchEvent(new Event('input', {bubbles: true}));
      input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'n'}));
      for (let i = 0; i < 100; i++) {
        const items = [...document.querySelectorAll('.md-search-result__item a')].map(a => a.getAttribute('href'));
        if (items.length) return items;
        await new Promise(r => setTimeout(r, 100));
      }
      return [];
    })()""")
    assert any("primes/micro-macro-linkage/" in href for href in titles), titles
    browser.screenshot(ARTIFACTS / "search.png")
