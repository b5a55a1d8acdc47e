"""``load_site``: read a site YAML file into a validated :class:`SiteConfig`.

Every problem is collected and raised at once as a :class:`ConfigError` whose
issues carry file, line, column and field path. Nothing is written during load.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kordon.config.bounded_read import SITE_FILE, FileReadError, read_bounded_text
from kordon.config.edge import EdgeLinkConfig, edge_file_problems
from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.parts import SiteParts, salvage
from kordon.config.semantics import check_site
from kordon.config.site import SiteConfig
from kordon.config.support import unsupported_kinds
from kordon.config.yaml_nodes import FieldPath, ParsedYaml, Position, YamlSyntaxError, parse_yaml

_TOP_LEVEL = ", ".join(SiteConfig.model_fields)


def format_path(path: FieldPath) -> str:
    """``("cameras", 0, "source")`` → ``cameras[0].source``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _strip(tp: object) -> object:
    """Remove ``Annotated`` and ``None`` from an annotation."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _variants(tp: object) -> list[type[BaseModel]]:
    tp = _strip(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
    return []


def _tag_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    if field is None:
        return None
    args = get_args(_strip(field.annotation))
    return str(args[0]) if get_origin(_strip(field.annotation)) is Literal and args else None


def _type_at(loc: tuple[int | str, ...]) -> object | None:
    """The annotation reached by following a pydantic error location from SiteConfig."""
    tp: object = SiteConfig
    for part in loc:
        tp = _strip(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if isinstance(part, str) and part in tp.model_fields:
                tp = tp.model_fields[part].annotation
                continue
            return None
        origin = get_origin(tp)
        if origin in (list, tuple) and isinstance(part, int):
            tp = get_args(tp)[0]
        elif origin is dict:
            if part != "[key]":
                tp = get_args(tp)[1]
        elif variants := _variants(tp):
            match = [v for v in variants if _tag_of(v) == part]
            if not match:
                return None
            tp = match[0]
        else:
            return None
    return _strip(tp)


def _data_path(loc: tuple[int | str, ...], data: object, missing: bool) -> tuple[FieldPath, bool]:
    """Map a pydantic location onto keys of the YAML data (dropping union tags).

    Returns the path and whether its last element exists in the document.
    """
    path: list[str | int] = []
    current: object = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict) and isinstance(part, str):
            if part in current:
                path.append(part)
                current = current[part]
            elif current.get("kind") == part:
                continue  # discriminated union tag
            elif last and missing:
                path.append(part)
                return tuple(path), False
        elif (isinstance(current, dict) and isinstance(part, int) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
    return tuple(path), True


def _did_you_mean(word: str, candidates: typing.Iterable[str]) -> str:
    options = sorted(candidates)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; expected one of: {', '.join(options)}" if options else ""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    ctx = error.get("ctx", {})
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _type_at(loc[:-1])
        names = (
            model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else {}
        )
        return "unknown field" + _did_you_mean(str(loc[-1]), names)
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        tag = str(ctx.get("tag"))
        return f"unknown kind {tag!r}" + _did_you_mean(tag, [t for t in tags if t])
    if kind == "union_tag_not_found":
        tags = [t for v in _variants(_type_at(loc) or object) if (t := _tag_of(v))]
        return "missing 'kind' to choose the variant; expected one of: " + ", ".join(tags)
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _did_you_mean(str(value), options) if isinstance(value, str) else ""
        if hint.startswith("; did"):
            return f"{_short(value)} is not allowed{hint}"
        return f"{error['msg']}, got {_short(value)}"
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    if kind.startswith("model_") or isinstance(value, dict | list):
        return error["msg"]
    return f"{error['msg']}, got {_short(value)}"


class _IssueBuilder:
    def __init__(self, display: str, parsed: ParsedYaml) -> None:
        self.display = display
        self.parsed = parsed
        self.issues: list[ConfigIssue] = []

    def add(
        self, path: FieldPath, message: str, *, at_key: bool = False, exists: bool = True
    ) -> None:
        position = self._position(path, at_key=at_key, exists=exists)
        self.issues.append(
            ConfigIssue(
                file=self.display,
                line=position.line if position else None,
                column=position.column if position else None,
                path=format_path(path),
                message=message,
            )
        )

    def _position(self, path: FieldPath, *, at_key: bool, exists: bool) -> Position | None:
        marks = self.parsed.marks
        if exists and path in marks:
            node = marks[path]
            return node.key if at_key and node.key is not None else node.value
        for cut in range(len(path) - 1, -1, -1):  # nearest enclosing node
            if path[:cut] in marks:
                return marks[path[:cut]].value
        return None


def _validation_issues(exc: ValidationError, builder: _IssueBuilder) -> None:
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        path, exists = _data_path(loc, builder.parsed.data, missing=kind == "missing")
        if kind in ("union_tag_invalid", "union_tag_not_found") and exists:
            node = builder.parsed.marks.get(path)
            if node is not None and (*path, "kind") in builder.parsed.marks:
                path = (*path, "kind")
        builder.add(path, _message(error), at_key=kind == "extra_forbidden", exists=exists)


def _single_issue(display: str, message: str, position: Position | None = None) -> ConfigError:
    return ConfigError(
        [
            ConfigIssue(
                display,
                position.line if position else None,
                position.column if position else None,
                "",
                message,
            )
        ]
    )


def load_site(path: Path) -> SiteConfig:
    """Load and fully check a site file; raise :class:`ConfigError` listing every problem."""
    display = str(path)
    try:
        text = read_bounded_text(path, SITE_FILE)
    except FileReadError as exc:
        raise _single_issue(display, exc.problem) from None
    return parse_site(text, display=display, base_dir=path.parent)


def parse_site(text: str, *, display: str, base_dir: Path) -> SiteConfig:
    """Validate site YAML ``text``; relative paths resolve against ``base_dir``."""
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise _single_issue(display, exc.message, exc.position) from None
    if parsed.data is None:
        raise _single_issue(
            display, f"file is empty; a site file is a mapping with: {_TOP_LEVEL}", Position(1, 1)
        )
    if not isinstance(parsed.data, dict):
        got = "list" if isinstance(parsed.data, list) else f"single value {_short(parsed.data)}"
        raise _single_issue(
            display,
            f"top level must be a mapping of sections ({_TOP_LEVEL}), got a {got}",
            parsed.marks[()].value,
        )
    builder = _IssueBuilder(display, parsed)
    for path, position, message in parsed.problems:
        builder.issues.append(
            ConfigIssue(display, position.line, position.column, format_path(path), message)
        )
    config: SiteConfig | None
    try:
        config = SiteConfig.model_validate(parsed.data).with_base_dir(base_dir)
    except ValidationError as exc:
        config = None
        _validation_issues(exc, builder)
    # One pass: semantic and reference checks run on whatever passed the schema, and
    # kinds the node does not run are refused even in entries the schema rejected.
    parts = SiteParts.of(config) if config is not None else salvage(parsed.data, base_dir)
    for issue in check_site(parts):
        builder.add(issue.path, issue.message)
    edge = config.edge if config is not None else _salvage_edge(parsed.data.get("edge"))
    if edge is not None:
        resolve = parts.resolve_path
        for path, message in edge_file_problems(edge, resolve):
            builder.add(("edge", *path), message)
    for refused in unsupported_kinds(parsed.data):
        builder.add(refused.path, refused.message)
    if builder.issues or config is None:
        raise ConfigError(_dedupe(builder.issues))
    return config


def _salvage_edge(raw: object) -> EdgeLinkConfig | None:
    """The ``edge:`` section of a site that failed validation, if it passes on its own."""
    if raw is None:
        return None
    try:
        return EdgeLinkConfig.model_validate(raw)
    except ValidationError:
        return None


def _dedupe(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return list(dict.fromkeys(issues))
