"""Live rebuild for ``primes serve``: watch the catalog, rebuild the pages an edit touches, reload the browser.

After a full build, :class:`LiveSite` keeps mkdocs' state (configuration, files, navigation, templates).
When a catalog file changes it reloads the catalog (the check cache makes that cheap), works out which primes
changed by comparing records, and re-renders only their pages, their neighbours' pages (whose diagrams and
lists show them) and the index pages whose Markdown changed. A change that alters the set of pages (a
prime added or removed, domains or catalog metadata edited) or a hand-written page takes a full build,
built aside and swapped in. Then every open page whose URL was rebuilt reloads, through a server-sent
events stream (:meth:`LiveSite.events`) and a small script the build puts in each page.

A catalog with errors does not replace the site: the browser shows the findings in a banner until the
catalog is fixed.

Under ``primes serve`` the SPARQL endpoint follows the catalog too: after each successful rebuild the
lifespan hands the new catalog to the endpoint's query pool (:meth:`primes.server.QueryPool.reload`), in the
background, so that pages show an edit as soon as they are rebuilt and queries see it once fresh workers have
loaded it. The search index is patched with the rebuilt pages' sections on every partial rebuild.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config.defaults import MkDocsConfig
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from primes.catalog import Catalog, check
from primes.findings import has_errors
from primes.fsutil import write_atomic
from primes.rdf.export import store_input
from primes.site.build import DEFAULT_CONFIG, BuildError, build_into, load_site_config
from primes.site.links import neighbour_ids
from primes.site.plugin import PrimesPlugin

if TYPE_CHECKING:
    from primes.server import QueryPool

log = logging.getLogger(__name__)

EVENTS_PATH = "/_primes/live"
_CLOSE = "close"  # not an event the browser sees: ends the stream
_IGNORED_PARTS = {".primes-cache", ".git", "__pycache__"}

# Put in every page while serving: reload when the server says this page was rebuilt (or when it restarted
# with a newer site), show a banner while the catalog has errors. Plain text only: no catalog text is
# inserted into the page by this script.
_SCRIPT = """<script>(()=>{{
const src=new EventSource({url});const page=__PRIMES_PAGE__;let seen=null;let banner=null;
const show=(text)=>{{if(!banner){{banner=document.createElement("div");banner.className="primes-live-banner";
banner.setAttribute("role","alert");document.body.appendChild(banner);}}banner.textContent=text;}};
src.addEventListener("hello",(e)=>{{const v=JSON.parse(e.data).version;
if(seen!==null&&v!==seen)location.reload();seen=v;}});
src.addEventListener("reload",(e)=>{{const d=JSON.parse(e.data);seen=d.version;
if(d.paths.includes("*")||d.paths.includes(page))location.reload();}});
src.addEventListener("problem",(e)=>show(JSON.parse(e.data).text));
src.addEventListener("ok",()=>{{if(banner){{banner.remove();banner=null;}}}});
}})();</script>"""


def live_script(events_url: str = EVENTS_PATH) -> str:
    """The script for every page; the plugin replaces ``__PRIMES_PAGE__`` with the page's URL."""
    return _SCRIPT.format(url=json.dumps(events_url))


@dataclass(slots=True)
class Update:
    """What one rebuild did: the URL paths it rebuilt (``*`` for a full build) and how long it took."""

    version: int
    paths: list[str] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = False
    problem: str | None = None


class LiveSite:
    """A built site kept in step with its catalog; see the module docstring."""

    def __init__(
        self,
        catalog_dir: Path | str,
        site_dir: Path | str,
        *,
        config_file: Path | str = DEFAULT_CONFIG,
        events_url: str = EVENTS_PATH,
        debounce: float = 0.05,
    ) -> None:
        self.catalog_dir = Path(catalog_dir).resolve()
        self.site_dir = Path(site_dir).resolve()
        self.config_file = Path(config_file)
        self.events_url = events_url
        self.script = live_script(events_url)
        self.debounce = debounce
        self.version = 0
        self.problem: str | None = None
        self.catalog: Catalog | None = None
        self._config: MkDocsConfig | None = None
        self._plugin: PrimesPlugin | None = None
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, str]]]] = set()
        self._pending: set[Path] = set()
        self._pending_lock = threading.Lock()
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._closing = False
        self._worker: threading.Thread | None = None
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._listeners: list[Callable[[Catalog], None]] = []

    # --- building ---------------------------------------------------------------------------------------

    def build(self) -> Update:
        """A full build into ``site_dir`` (checked, built aside, swapped in)."""
        start = time.perf_counter()
        with self._lock:
            catalog = check(self.catalog_dir)
            if has_errors(list(catalog.findings)):
                return self._report_problem(catalog)
            config = load_site_config(self.config_file)
            plugin, _ = build_into(catalog, config, self.site_dir, live_script=self.script)
            self._config, self._plugin, self.catalog = config, plugin, catalog
            self.version += 1
            update = Update(self.version, ["*"], time.perf_counter() - start, full=True)
        self._clear_problem()
        self._publish("reload", {"version": update.version, "paths": update.paths})
        self._notify(catalog)
        return update

    def update(self) -> Update:
        """Bring the site up to date with the catalog folder: the pages an edit touches, or a full build."""
        start = time.perf_counter()
        with self._lock:
            old, plugin, config = self.catalog, self._plugin, self._config
            if old is None or plugin is None or config is None:
                needs_full = True
            else:
                catalog = check(self.catalog_dir)
                if has_errors(list(catalog.findings)):
                    return self._report_problem(catalog)
                needs_full = _page_set_changed(plugin, old, catalog)
            if not needs_full:
                assert plugin is not None and config is not None and old is not None
                touched = changed_primes(old, catalog)
                affected = set(touched)
                for prime_id in touched:
                    affected |= neighbour_ids(old, prime_id) & set(catalog.ids)
                    affected |= neighbour_ids(catalog, prime_id)
                # Pages are rebuilt when their Markdown changed: a neighbour's page names the prime and lists
                # its edges, so whatever its diagram shows of the prime is in its Markdown too.
                uris = set(plugin.refresh(catalog, sorted(affected)))
                paths = _rebuild(plugin, config, uris)
                self.catalog = catalog
                self.version += 1
                update = Update(self.version, paths, time.perf_counter() - start)
        if needs_full:
            return self.build()
        self._clear_problem()
        self._publish("reload", {"version": update.version, "paths": update.paths})
        log.info("rebuilt %d page(s) in %.2f s", len(update.paths), update.seconds)
        self._notify(catalog)
        return update

    def on_catalog(self, listener: Callable[[Catalog], None]) -> Callable[[], None]:
        """Call ``listener`` with the new catalog after every successful build or rebuild (in the rebuilding
        thread, after the pages are written: keep it short); returns how to remove it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, catalog: Catalog) -> None:
        for listener in list(self._listeners):
            try:
                listener(catalog)
            except Exception:  # one listener's failure must not stop the rebuilds
                log.exception("a live-rebuild listener failed")

    def rebuild_all(self) -> Update:
        return self.build()

    # --- watching ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Watch the catalog and the hand-written pages; rebuild in a background thread."""
        if self._worker is not None:
            return
        self._stopping.clear()
        self._closing = False
        handler = _Handler(self)
        observer = Observer()
        observer.schedule(handler, str(self.catalog_dir), recursive=True)
        if self._config is not None:
            observer.schedule(handler, str(self._config.docs_dir), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._worker = threading.Thread(target=self._run, name="primes-live-rebuild", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._worker is not None:
            self._worker.join(timeout=30)
            self._worker = None

    def notice(self, path: Path) -> None:
        """A file changed (called by the watcher)."""
        if any(part in _IGNORED_PARTS for part in path.parts) or _is_scratch(path.name):
            return
        with self._pending_lock:
            self._pending.add(path)
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.wait()
            self._wakeup.clear()
            if self._stopping.is_set():
                return
            time.sleep(self.debounce)  # an editor's save is often several events; take them as one change
            self._wakeup.clear()
            with self._pending_lock:
                changed, self._pending = self._pending, set()
            if not changed:
                continue
            try:
                docs = self._config.docs_dir if self._config is not None else None
                if docs is not None and any(_is_under(p, Path(docs)) for p in changed):
                    self.build()
                else:
                    self.update()
            except BuildError as exc:
                self._set_problem(str(exc))
            except Exception as exc:  # keep serving whatever happens; the banner says what went wrong
                log.exception("live rebuild failed")
                self._set_problem(f"the rebuild failed: {exc}")

    # --- the browser side -------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[str]:
        """The server-sent events stream: a hello with the current version, then reloads and problems."""
        if self._closing:
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        entry = (loop, queue)
        self._subscribers.add(entry)
        try:
            yield _sse("hello", json.dumps({"version": self.version}))
            if self.problem:
                yield _sse("problem", json.dumps({"text": self.problem}))
            while True:
                try:
                    event, data = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event == _CLOSE:
                    return
                yield _sse(event, data)
        finally:
            self._subscribers.discard(entry)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: object) -> AsyncIterator[None]:
        """Watch while the server runs (a Starlette lifespan). On Ctrl+C the event streams end first: the
        server waits for open responses before it stops, and an open page keeps its stream open forever.
        When the app has a SPARQL query pool (:func:`primes.server.create_app`), it is reloaded with every
        rebuilt catalog."""
        state = getattr(app, "state", None)
        pool = getattr(state, "query_pool", None)
        reloader = StoreReloader(pool, getattr(state, "catalog", None)) if pool is not None else None
        task = asyncio.create_task(reloader.run(), name="primes-store-reload") if reloader is not None else None
        remove = self.on_catalog(reloader.submit) if reloader is not None else (lambda: None)
        if reloader is not None and self.catalog is not None:
            reloader.submit(self.catalog)  # an edit between the server's load and this build
        self.start()
        restore = _end_streams_on_signals(self.close_streams)
        try:
            yield
        finally:
            restore()
            remove()
            self.close_streams()
            await asyncio.to_thread(self.stop)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def close_streams(self) -> None:
        """End every open event stream, and refuse new ones (the server is stopping; a browser reconnects by
        itself when it comes back)."""
        self._closing = True
        self._publish(_CLOSE, {})

    def routes(self) -> list[Route]:
        """The Starlette route of the events stream, to add to the app that serves ``site_dir``."""
        return [Route(self.events_url, self._events_endpoint, methods=["GET"])]

    async def _events_endpoint(self, request: Request) -> StreamingResponse:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(self.events(), media_type="text/event-stream", headers=headers)

    def _publish(self, event: str, data: dict[str, object]) -> None:
        text = json.dumps(data)
        for loop, queue in list(self._subscribers):
            with contextlib.suppress(RuntimeError):  # the loop has closed: that subscriber is gone
                loop.call_soon_threadsafe(queue.put_nowait, (event, text))

    def _report_problem(self, catalog: Catalog) -> Update:
        errors = [f for f in catalog.findings if f.is_error]
        lines = [f.format() for f in errors[:10]]
        more = f"\n… and {len(errors) - 10} more" if len(errors) > 10 else ""
        text = f"The catalog has {len(errors)} error(s); the site shows the last good version.\n" + "\n".join(lines)
        self._set_problem(text + more)
        return Update(self.version, problem=self.problem)

    def _set_problem(self, text: str) -> None:
        self.problem = text
        self._publish("problem", {"text": text})

    def _clear_problem(self) -> None:
        if self.problem is not None:
            self.problem = None
            self._publish("ok", {})


class StoreReloader:
    """Keeps a SPARQL query pool serving the latest catalog: :meth:`submit` (from any thread) hands over a
    catalog, :meth:`run` (a task on the server's loop) reloads the pool with it. One reload runs at a time,
    catalogs that arrive meanwhile are taken together (only the latest is loaded), and a catalog whose RDF is
    what the pool already serves (an edit to a hand-written page) is skipped."""

    def __init__(self, pool: QueryPool, served: Catalog | None = None) -> None:
        self.pool = pool
        self.served = served  # the catalog the pool was started with, if known
        self.reloads = 0
        self._loop = asyncio.get_running_loop()
        self._latest: Catalog | None = None
        self._wanted = asyncio.Event()

    def submit(self, catalog: Catalog) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is gone
            self._loop.call_soon_threadsafe(self._take, catalog)

    def _take(self, catalog: Catalog) -> None:
        self._latest = catalog
        self._wanted.set()

    async def run(self) -> None:
        loaded = await asyncio.to_thread(store_input, self.served) if self.served is not None else None
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            catalog = self._latest
            if catalog is None or catalog is self.served:
                continue
            try:
                data = await asyncio.to_thread(store_input, catalog)
                if data != loaded:
                    await self.pool.reload(data)
                    loaded = data
                    self.reloads += 1
                    log.info("SPARQL store reloaded: %s triples", f"{self.pool.triples:,}")
            except Exception:  # keep serving the previous store; the next edit tries again
                log.exception("reloading the SPARQL store failed")
            self.served = catalog


def changed_primes(old: Catalog, new: Catalog) -> set[str]:
    """The primes whose record differs between two versions of a catalog (same ids assumed)."""
    return {p.id for p in new if old.primes.get(p.id) != p}


def _page_set_changed(plugin: PrimesPlugin, old: Catalog, new: Catalog) -> bool:
    if set(old.ids) != set(new.ids) or old.domains != new.domains or old.meta != new.meta:
        return True
    return plugin.site_uris(new) != {uri for uri in plugin.generated}


def _rebuild(plugin: PrimesPlugin, config: MkDocsConfig, uris: set[str]) -> list[str]:
    """Re-render the given generated files and every hand-written page that is a template of the catalog;
    returns the URL paths rebuilt."""
    files, nav, env = plugin.files, plugin.nav, plugin.env
    if files is None or nav is None or env is None:
        raise BuildError("the site has not been built yet")
    doc_files = files.documentation_pages()
    pages = []
    for file in files:
        if file.src_uri in uris and not file.is_documentation_page():
            file.copy_file()
        elif file.is_documentation_page() and (file.src_uri in uris or plugin.template_changed(file)):
            pages.append(file)
    with _search_reindexed(config, {file.url for file in pages}):
        for file in pages:
            assert file.page is not None
            _populate_page(file.page, config, files)
        for file in pages:
            assert file.page is not None
            _build_page(file.page, config, doc_files, nav, env)
    return sorted(file.page.url for file in pages if file.page is not None)


@contextlib.contextmanager
def _search_reindexed(config: MkDocsConfig, urls: set[str]) -> Iterator[None]:
    """Keep the search index in step with a partial rebuild: the search plugin indexes the rebuilt pages into a
    fresh index, whose entries then replace those pages' entries (in place, so the order stays the full
    build's), and ``search/search_index.json`` is rewritten. A search plugin that does not keep its index as
    material's does is paused instead, as its index cannot be patched (the edit shows after a full build)."""
    patchable: list[tuple[Any, Any]] = []
    paused: list[Any] = []
    for name, plugin in config.plugins.items():
        if not name.endswith("search") or not getattr(plugin.config, "enabled", False):
            continue
        index: Any = getattr(plugin, "search_index", None)
        if isinstance(getattr(index, "entries", None), list) and hasattr(index, "generate_search_index"):
            patchable.append((plugin, index))
        else:
            paused.append(plugin)
    for plugin, index in patchable:
        plugin.search_index = type(index)(**index.config)
    for plugin in paused:
        plugin.config.enabled = False
    try:
        yield
    except BaseException:
        for plugin, index in patchable:
            plugin.search_index = index
        raise
    finally:
        for plugin in paused:
            plugin.config.enabled = True
    for plugin, index in patchable:
        index.entries = _merge_entries(index.entries, plugin.search_index.entries, urls)
        plugin.search_index = index
        # The search plugin writes the index at the end of a full build; a partial rebuild has no such step.
        write_atomic(Path(config.site_dir) / "search" / "search_index.json", index.generate_search_index(None))


def _merge_entries(old: list[dict[str, Any]], fresh: list[dict[str, Any]], urls: set[str]) -> list[dict[str, Any]]:
    """The index entries with those of the pages at ``urls`` replaced by ``fresh``: each page's new entries
    where its old ones were (a page's entries are its sections, located at ``url#anchor``)."""
    by_page: dict[str, list[dict[str, Any]]] = {}
    for entry in fresh:
        by_page.setdefault(_page_of(entry), []).append(entry)
    merged: list[dict[str, Any]] = []
    for entry in old:
        page = _page_of(entry)
        if page not in urls:
            merged.append(entry)
        elif page in by_page:
            merged.extend(by_page.pop(page))
    for entries in by_page.values():  # a page that had no entries before
        merged.extend(entries)
    return merged


def _page_of(entry: dict[str, Any]) -> str:
    return str(entry.get("location", "")).split("#", 1)[0]


def _end_streams_on_signals(close: Callable[[], None]) -> Callable[[], None]:
    """Run ``close`` before the server's own handler on SIGINT and SIGTERM; returns how to undo it. Only the
    main thread may set signal handlers: elsewhere (a server in a test's thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: FrameType | None) -> None:
        close()
        chained = previous.get(signal.Signals(signum))
        if callable(chained):
            chained(signum, frame)
        elif chained == signal.SIG_DFL and signum == signal.SIGINT:
            raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, old)

    return restore


def _sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


def _is_scratch(name: str) -> bool:
    # Editors' swap and backup files, and our own atomic-write temporaries.
    return name.endswith((".swp", ".swx", "~", ".tmp")) or name.startswith(".#")


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


class _Handler(FileSystemEventHandler):
    def __init__(self, site: LiveSite) -> None:
        self.site = site

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = raw.decode() if isinstance(raw, bytes) else raw
                self.site.notice(Path(path))
