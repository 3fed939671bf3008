"""Live rebuild: an edit to a catalog file rebuilds that prime's page, its neighbours' pages and the indexes it
shows up in, and tells the browser which pages to reload."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LOOKALIKE, PART, PIECE, ROOT, SIBLING, TWIN, WHOLE
from primes.site.live import LiveSite

CONFIG = ROOT / "site" / "mkdocs.yml"


def page(site: LiveSite, prime_id: str) -> str:
    return (site.site_dir / "primes" / prime_id / "index.html").read_text(encoding="utf-8")


def rename(catalog: Path, prime_id: str, old: str, new: str) -> None:
    path = catalog / "primes" / f"{prime_id}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"name: {old}", f"name: {new}"), encoding="utf-8")


def test_pages_carry_the_reload_script(live: LiveSite) -> None:
    html = page(live, WHOLE)
    assert 'new EventSource("/_primes/live")' in html
    assert 'const page="primes/whole/"' in html


def test_a_rename_rebuilds_the_prime_its_neighbours_and_the_indexes(live: LiveSite, tiny_dir: Path) -> None:
    before = {p: page(live, p) for p in (PIECE, TWIN, LOOKALIKE)}
    rename(tiny_dir, PART, "Part", "Portion")
    update = live.update()
    assert not update.full
    # part's neighbours: whole (parent, contrast), piece (child), twin (partner)
    for url in ("primes/part/", "primes/whole/", "primes/piece/", "primes/twin/", "primes/", "graph/"):
        assert url in update.paths
    assert "primes/lookalike/" not in update.paths and "primes/sibling/" not in update.paths
    whole = page(live, WHOLE)
    assert '<a href="../part/" aria-label="Portion">' in whole  # the diagram
    assert "Portion</a> is a decomposition of Whole" in whole  # the list of children
    assert "Portion" in (live.site_dir / "primes" / "index.html").read_text(encoding="utf-8")
    assert "Portion" in (live.site_dir / "primes" / "part.ttl").read_text(encoding="utf-8")
    assert page(live, LOOKALIKE) == before[LOOKALIKE]
    assert page(live, PIECE) != before[PIECE]


def test_a_text_edit_leaves_unrelated_indexes_alone(live: LiveSite, tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / f"{SIBLING}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Naming the sibling", "Naming the freshly edited sibling"),
        encoding="utf-8",
    )
    update = live.update()
    assert "primes/sibling/" in update.paths
    assert "primes/" not in update.paths and "graph/" not in update.paths
    assert "freshly edited" in page(live, SIBLING)


def test_errors_keep_the_site_and_show_a_problem_until_fixed(live: LiveSite, tiny_dir: Path) -> None:
    version = live.version
    path = tiny_dir / "primes" / f"{TWIN}.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "partners:\n- prime: nobody\n  note: dangling\n", encoding="utf-8")
    update = live.update()
    assert update.problem is not None and "PR" in update.problem
    assert live.version == version
    assert "Twin" in page(live, TWIN)
    path.write_text(good.replace("name: Twin", "name: Twin Again"), encoding="utf-8")
    update = live.update()
    assert update.problem is None and live.problem is None
    assert "Twin Again" in page(live, TWIN)


def test_a_new_prime_takes_a_full_build(live: LiveSite, tiny_dir: Path) -> None:
    text = (tiny_dir / "primes" / f"{PIECE}.yaml").read_text(encoding="utf-8")
    (tiny_dir / "primes" / "shard.yaml").write_text(
        text.replace("id: piece", "id: shard").replace("name: Piece", "name: Shard"), encoding="utf-8"
    )
    update = live.update()
    assert update.full and update.paths == ["*"]
    assert "Shard" in page(live, "shard")
    assert "Shard" in page(live, PART)  # its parent's diagram


def test_events_stream_says_hello_then_which_pages_to_reload(live: LiveSite, tiny_dir: Path) -> None:
    async def scenario() -> list[tuple[str, dict[str, object]]]:
        stream = live.events()
        received = [_parse(await anext(stream))]
        rename(tiny_dir, TWIN, "Twin", "Double")
        await asyncio.to_thread(live.update)
        received.append(_parse(await asyncio.wait_for(anext(stream), 10)))
        await stream.aclose()
        return received

    hello, reload = asyncio.run(scenario())
    assert hello == ("hello", {"version": live.version - 1})
    assert reload[0] == "reload"
    assert reload[1]["version"] == live.version
    assert "primes/twin/" in reload[1]["paths"]  # type: ignore[operator]


def _parse(message: str) -> tuple[str, dict[str, object]]:
    lines = dict(line.split(": ", 1) for line in message.strip().splitlines())
    return lines["event"], json.loads(lines["data"])


def test_the_watcher_rebuilds_on_its_own(live: LiveSite, tiny_dir: Path) -> None:
    live.start()
    version = live.version
    rename(tiny_dir, LOOKALIKE, "Lookalike", "Doppelganger")
    deadline = time.monotonic() + 20
    while live.version == version and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.version > version, "no rebuild after the edit"
    assert "Doppelganger" in page(live, LOOKALIKE)
    assert "Doppelganger" in page(live, WHOLE)


def test_an_edit_shows_in_the_browser(tiny_dir: Path, tmp_path: Path) -> None:
    from test_site_browser import CHROMIUM, Chromium

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    site = LiveSite(tiny_dir, tmp_path / "site", config_file=CONFIG, debounce=0.02)
    site.build()
    site.start()
    browser = Chromium(CHROMIUM)
    try:
        with _serve(site) as url, contextlib.closing(browser):  # the browser goes before the server
            browser.open(f"{url}/primes/whole/")
            browser.js("window.__marker = 1")  # gone once the page reloads
            _wait_for_stream(site)
            rename(tiny_dir, PART, "Part", "Portion")
            start = time.monotonic()
            shown = False
            while time.monotonic() - start < 15:
                try:
                    text = browser.js("document.querySelector('.primes-one-hop') ? document.body.innerText : ''")
                except RuntimeError:  # the page is reloading
                    text = ""
                if "Portion" in (text or ""):
                    shown = True
                    break
                time.sleep(0.05)
            assert shown, "the edit never showed in the browser"
            assert browser.js("window.__marker") is None, "the page should have reloaded"
    finally:
        browser.close()
        site.stop()


def _wait_for_stream(site: LiveSite) -> None:
    deadline = time.monotonic() + 10
    while not site._subscribers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert site._subscribers, "the page did not open the events stream"


@contextlib.contextmanager
def _serve(site: LiveSite) -> Iterator[str]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    app = Starlette(routes=[*site.routes(), Mount("/", StaticFiles(directory=site.site_dir, html=True))])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        site.close_streams()  # what the lifespan does on Ctrl+C under `primes serve`
        server.should_exit = True
        thread.join(timeout=10)
