"""Catalog text is data: markup in a record comes out of the built site as harmless, visible text."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import PART, ROOT, WHOLE
from primes.site.build import build_site

SCRIPT = "<script>alert('xss-script')</script>"
ONERROR = "<img src=x onerror=\"alert('xss-onerror')\">"
JS_LINK = "[click me](javascript:alert('xss-link'))"
JS_AUTOLINK = "<javascript:alert('xss-autolink')>"
ATTR_LIST = "{: onclick=\"alert('xss-attr')\" }"
CLOSE_TITLE = "</title><script>alert('xss-title')</script>"
PAYLOAD = f"{SCRIPT} {ONERROR} {JS_LINK} {JS_AUTOLINK} {ATTR_LIST}"
NAME = f"Part {CLOSE_TITLE} {ONERROR}"


def _edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    catalog = work / "catalog"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", catalog, ignore=shutil.ignore_patterns(".primes-cache"))
    part = catalog / "primes" / f"{PART}.yaml"
    record = yaml.safe_load(part.read_text(encoding="utf-8"))
    record["explanations"][0]["title"] = f"Kids {SCRIPT}"
    record["example"] = {"title": f"Case {ONERROR}", "text": PAYLOAD}
    record["broad_use"][0]["text"] = PAYLOAD
    record["decomposes"][0]["note"] = PAYLOAD
    record["not_to_be_confused_with"][0]["reason"] = PAYLOAD
    _edit(
        part,
        {
            "name": NAME,
            "aliases": [JS_AUTOLINK, f"# {SCRIPT}"],
            "core_idea": PAYLOAD,
            "overview": f"{PAYLOAD}\n\n{PAYLOAD}",
            "explanations": record["explanations"],
            "example": record["example"],
            "broad_use": record["broad_use"],
            "decomposes": record["decomposes"],
            "not_to_be_confused_with": record["not_to_be_confused_with"],
        },
    )
    domains = yaml.safe_load((catalog / "domains.yaml").read_text(encoding="utf-8"))
    domains[0]["label"] = f"Physics {ONERROR}"
    domains[0]["description"] = PAYLOAD
    (catalog / "domains.yaml").write_text(yaml.safe_dump(domains, allow_unicode=True), encoding="utf-8")
    _edit(catalog / "catalog.yaml", {"title": f"Tiny {SCRIPT}", "description": PAYLOAD})
    out = work / "site"
    build_site(catalog, config_file=ROOT / "site" / "mkdocs.yml", out_dir=out, strict=True)
    return out


class _Audit(HTMLParser):
    """Everything in a page that could run code, and its visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[str] = []
        self.js_urls: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self._script: str | bool | None = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in ("href", "src", "xlink:href", "action", "formaction") and url.startswith("javascript:"):
                self.js_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script = dict(attrs).get("type")
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script is not False:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        else:
            self.text.append(data)


def _audit(path: Path) -> _Audit:
    audit = _Audit()
    audit.feed(path.read_text(encoding="utf-8"))
    audit.close()
    return audit


def test_no_page_runs_catalog_text(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        audit = _audit(page)
        assert audit.handlers == [], page
        assert audit.js_urls == [], page
        for kind, text in audit.scripts:
            if "xss-" in text:
                # Only the JSON-LD data block may hold the text, as JSON data (never executed).
                assert kind == "application/ld+json", f"{page}: catalog text inside an executable script"
                json.loads(text)


def test_the_markup_is_shown_as_text(hostile_site: Path) -> None:
    page = hostile_site / "primes" / PART / "index.html"
    text = " ".join(" ".join(_audit(page).text).split())
    for fragment in (SCRIPT, ONERROR, JS_LINK, JS_AUTOLINK, ATTR_LIST, CLOSE_TITLE):
        assert fragment in text, f"{fragment!r} is not shown as text"


def test_title_and_json_ld_keep_the_exact_name(hostile_site: Path) -> None:
    page = hostile_site / "primes" / PART / "index.html"
    html = page.read_text(encoding="utf-8")
    head = html[: html.index("</head>")]
    assert head.count("<title>") == 1 and head.count("</title>") == 1
    audit = _audit(page)
    (block,) = [text for kind, text in audit.scripts if kind == "application/ld+json"]
    assert json.loads(block)["name"] == NAME
    assert "</" not in block


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        (f"primes/{WHOLE}/index.html", NAME),
        ("primes/index.html", NAME),
        ("graph/index.html", NAME),
        ("relations/decomposition/index.html", NAME),
        ("domains/physics/index.html", f"Physics {ONERROR}"),
        ("domains/index.html", PAYLOAD),
        ("index.html", f"Tiny {SCRIPT}"),
    ],
)
def test_neighbours_and_indexes_show_it_as_text_too(hostile_site: Path, page: str, shown: str) -> None:
    audit = _audit(hostile_site / page)
    assert audit.handlers == [] and audit.js_urls == []
    assert shown in " ".join(" ".join(audit.text).split())


def test_search_index_holds_escaped_text(hostile_site: Path) -> None:
    raw = (hostile_site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "<script" not in raw and "<img" not in raw
    assert "&lt;script&gt;" in raw
