"""Findings: what a check reports, one per problem, like a SHACL validation result."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str


def _rule(code: str, name: str, severity: Severity, summary: str) -> Rule:
    return Rule(code, name, severity, summary)


E, W = Severity.ERROR, Severity.WARNING

# Every rule the checker applies. Codes are stable: tools and editors may key on them.
YAML_SYNTAX = _rule("PR101", "yaml-syntax", E, "the file is not valid YAML")
NOT_UTF8 = _rule("PR102", "not-utf8", E, "the file is not UTF-8 text")
EMPTY_FILE = _rule("PR103", "empty-file", E, "the file holds no record")
DUPLICATE_KEY = _rule("PR104", "duplicate-key", E, "a key appears twice in one mapping")
ANCHOR = _rule("PR105", "yaml-anchor", E, "YAML anchors and aliases are refused")
FILE_TOO_LARGE = _rule("PR106", "file-too-large", E, "the file is over the size limit")
NOT_A_MAPPING = _rule("PR107", "not-a-mapping", E, "the file must hold one mapping")

MISSING_FIELD = _rule("PR201", "missing-field", E, "a required field is missing")
WRONG_TYPE = _rule("PR202", "wrong-type", E, "a field has the wrong type")
UNKNOWN_FIELD = _rule("PR203", "unknown-field", E, "a field the record does not have")
EMPTY_TEXT = _rule("PR204", "empty-text", E, "a text is empty or only white space")
AUDIENCE = _rule("PR205", "explanation-audience", E, "each audience must be explained exactly once")
UNKNOWN_DOMAIN = _rule("PR206", "unknown-domain", E, "a domain that is not in domains.yaml")
INVALID_VALUE = _rule("PR207", "invalid-value", E, "a value outside what the field allows")
MISSING_SECTION = _rule("PR208", "missing-section", E, "a content section of a published prime is missing")
DRAFT_SECTION = _rule("PR209", "draft-section", W, "a content section of a draft is not written yet")

ID_MISMATCH = _rule("PR301", "id-filename", E, "the id differs from the file name")
INVALID_SLUG = _rule("PR302", "invalid-slug", E, "an id that is not a kebab-case slug")
DUPLICATE_ID = _rule("PR303", "duplicate-id", E, "two records have the same id")
DUPLICATE_NAME = _rule("PR304", "duplicate-name", E, "two records have the same name")

DANGLING_EDGE = _rule("PR401", "dangling-edge", E, "an edge to a prime that does not exist")
SELF_EDGE = _rule("PR402", "self-edge", E, "an edge from a prime to itself")
DUPLICATE_EDGE = _rule("PR403", "duplicate-edge", E, "the same edge is declared twice")
UNKNOWN_EDGE_KIND = _rule("PR404", "unknown-edge-kind", E, "an edge list of a kind the ontology does not declare")
MISSING_ANNOTATION = _rule("PR405", "missing-annotation", E, "an edge without the note or reason its kind requires")
CYCLE = _rule("PR406", "cycle", E, "edges of an acyclic kind form a cycle")
PARTNER_CONFLICT = _rule("PR407", "partner-conflict", E, "a symmetric edge declared on both sides with different notes")
PARTNER_TWICE = _rule("PR408", "partner-twice", W, "a symmetric edge declared on both sides (once is enough)")

ISOLATED = _rule("PR501", "isolated-prime", W, "a prime with no edges at all")
UNLINKED_MENTION = _rule("PR502", "unlinked-mention", W, "the text names another prime but no edge links them")

RULES: tuple[Rule, ...] = tuple(v for v in tuple(globals().values()) if isinstance(v, Rule))


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where it is (file, line, column, field, prime) and what to do about it."""

    code: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    field: str = ""
    prime_id: str = ""

    @classmethod
    def of(
        cls,
        rule: Rule,
        path: str,
        message: str,
        *,
        line: int = 1,
        column: int = 1,
        field: str = "",
        prime_id: str = "",
        severity: Severity | None = None,
    ) -> Finding:
        return cls(rule.code, severity or rule.severity, path, line, column, message, field, prime_id)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def format(self) -> str:
        """``path:line:col: CODE severity: message [field]``, as a compiler prints it."""
        where = f" [{self.field}]" if self.field else ""
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.severity.value}: {self.message}{where}"

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["rule"] = RULE_BY_CODE[self.code].name
        return data


RULE_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def has_errors(findings: list[Finding] | tuple[Finding, ...], *, strict: bool = False) -> bool:
    """Whether the findings fail a check (warnings count too under ``strict``)."""
    return any(f.is_error or strict for f in findings)
