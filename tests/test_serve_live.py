"""``primes serve`` as a user runs it: Ctrl+C stops it quietly (its query workers too), and with a live site an
edit to the catalog reaches the SPARQL endpoint and the search index, not only the pages."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import PART, ROOT, SIBLING, TINY, TWIN
from primes.catalog import Catalog
from primes.site.build import build_site
from primes.site.live import LiveSite
from test_server import PRIMES, children, free_port

CONFIG = ROOT / "site" / "mkdocs.yml"
LABEL_QUERY = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?name WHERE {{ <https://w3id.org/primes/prime/{id}> skos:prefLabel ?name }}"
)


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    base: str

    def label(self, prime_id: str) -> list[str]:
        response = httpx.get(f"{self.base}/sparql", params={"query": LABEL_QUERY.format(id=prime_id)}, timeout=10)
        response.raise_for_status()
        return [row["name"]["value"] for row in response.json()["results"]["bindings"]]

    def interrupt(self) -> tuple[int, str, float]:
        """Ctrl+C as a terminal sends it: SIGINT to the whole process group. Returns the exit status, what the
        server wrote to stderr, and how long it took to exit."""
        start = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err.decode(errors="replace"), time.monotonic() - start


def start_serve(catalog: Path, *extra: str) -> Serve:
    port = free_port()
    command = [str(PRIMES), "serve", "--catalog", str(catalog), "--port", str(port), "--workers", "1", *extra]
    # A session of its own: the test's SIGINT goes to the server's process group, never to pytest's.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    serve = Serve(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            _, err = process.communicate()
            raise RuntimeError(f"primes serve exited with {process.returncode}: {err.decode(errors='replace')}")
        try:
            if httpx.get(f"{serve.base}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return serve
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(serve)
            raise RuntimeError("primes serve did not start within 90 s")
        time.sleep(0.1)


def stop(serve: Serve) -> None:
    """Stop the server and its workers (its process group) if a test left it running."""
    if serve.process.poll() is None:
        os.killpg(serve.process.pid, signal.SIGTERM)
        try:
            serve.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(serve.process.pid, signal.SIGKILL)
            serve.process.communicate(timeout=5)


def copy_tiny(target: Path) -> Path:
    shutil.copytree(TINY, target, ignore=shutil.ignore_patterns(".primes-cache"))
    return target


def edit(catalog: Path, prime_id: str, old: str, new: str) -> None:
    path = catalog / "primes" / f"{prime_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def eventually(probe: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        assert time.monotonic() < deadline, f"{what} within {seconds:g} s"
        time.sleep(0.05)


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (a zombie has finished)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != b"Z":
            running.append(pid)
    return running


# ---------------------------------------------------------------------------------------------------------
# Ctrl+C


@pytest.mark.parametrize("mode", ["endpoint", "live-site"])
def test_ctrl_c_stops_serve_promptly_and_quietly(mode: str, tmp_path: Path) -> None:
    extra = ("--site", str(tmp_path / "site"), "--site-config", str(CONFIG)) if mode == "live-site" else ()
    serve = start_serve(TINY if mode == "endpoint" else copy_tiny(tmp_path / "tiny"), *extra)
    try:
        workers = children(serve.process.pid)
        assert workers, "primes serve started no query worker"
        status, stderr, seconds = serve.interrupt()
    finally:
        stop(serve)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert status in (0, -signal.SIGINT), stderr
    assert seconds < 10, f"primes serve took {seconds:.1f} s to stop"
    deadline = time.monotonic() + 10
    while alive(workers):
        assert time.monotonic() < deadline, "a query worker outlived the server"
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------------------
# Live mode: the endpoint and the search index follow an edit


@pytest.fixture(scope="module")
def live_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Serve, Path]]:
    folder = tmp_path_factory.mktemp("live-serve")
    catalog = copy_tiny(folder / "tiny")
    serve = start_serve(catalog, "--site", str(folder / "site"), "--site-config", str(CONFIG))
    try:
        yield serve, catalog
    finally:
        stop(serve)


def test_sparql_answers_with_an_edited_label(live_serve: tuple[Serve, Path]) -> None:
    serve, catalog = live_serve
    assert serve.label(TWIN) == ["Twin"]
    edit(catalog, TWIN, "name: Twin", "name: Gemini")
    eventually(lambda: serve.label(TWIN) == ["Gemini"], "the endpoint answers with the new label")
    assert "Gemini" in httpx.get(f"{serve.base}/primes/twin/").text


def test_the_search_index_has_a_word_of_an_edit(live_serve: tuple[Serve, Path]) -> None:
    serve, catalog = live_serve

    def index() -> str:
        return httpx.get(f"{serve.base}/search/search_index.json", timeout=10).text

    assert "Quetzalcoatl" not in index()
    edit(catalog, SIBLING, "core_idea: ", "core_idea: Quetzalcoatl says ")
    eventually(lambda: "Quetzalcoatl" in index(), "the search index has the new word")
    sections = [doc for doc in json.loads(index())["docs"] if "Quetzalcoatl" in doc["text"]]
    assert sections and all(doc["location"].startswith("primes/sibling/") for doc in sections)


# ---------------------------------------------------------------------------------------------------------
# In process: the patched search index is the full build's; listeners hear only good catalogs


@pytest.mark.parametrize(
    ("prime_id", "old", "new"),
    [
        (SIBLING, "core_idea: ", "core_idea: Axolotl "),  # one page
        (PART, "name: Part", "name: Portion"),  # its neighbours and the indexes too
    ],
)
def test_a_partial_rebuild_leaves_the_search_index_a_full_build_makes(
    live: LiveSite, tiny_dir: Path, tmp_path: Path, prime_id: str, old: str, new: str
) -> None:
    edit(tiny_dir, prime_id, old, new)
    update = live.update()
    assert not update.full
    patched = json.loads((live.site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    fresh_site = tmp_path / "fresh"
    build_site(tiny_dir, config_file=CONFIG, out_dir=fresh_site)
    fresh = json.loads((fresh_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert patched == fresh
    word = new.split()[-1]
    assert any(word in doc["text"] or word in doc["title"] for doc in patched["docs"])


def test_catalog_listeners_hear_each_good_rebuild_and_no_bad_one(live: LiveSite, tiny_dir: Path) -> None:
    heard: list[Catalog] = []
    remove = live.on_catalog(heard.append)
    edit(tiny_dir, TWIN, "name: Twin", "name: Double")
    live.update()
    assert [c[TWIN].name for c in heard] == ["Double"]
    path = tiny_dir / "primes" / f"{TWIN}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "partners:\n- prime: nobody\n  note: dangling\n", "utf-8")
    assert live.update().problem is not None
    assert len(heard) == 1
    remove()
    edit(tiny_dir, PART, "name: Part", "name: Portion")
    path.write_text(path.read_text(encoding="utf-8").split("partners:\n- prime: nobody")[0], encoding="utf-8")
    live.update()
    assert len(heard) == 1
