"""YAML → plain Python values plus the line/column of every node.

PyYAML's composer keeps node marks that ``safe_load`` throws away; we build the
values ourselves from the node tree and record, for each field path, where its
key and its value start, so every later error can point at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Position:
        return cls(mark.line + 1, mark.column + 1)


@dataclass(frozen=True)
class NodeMarks:
    """Where a node's key (for mapping values) and its value start."""

    value: Position
    key: Position | None = None


@dataclass
class ParsedYaml:
    """Plain values of a YAML document, its marks, and structural problems found."""

    data: object
    marks: dict[FieldPath, NodeMarks] = field(default_factory=dict)
    problems: list[tuple[FieldPath, Position, str]] = field(default_factory=list)


class YamlSyntaxError(Exception):
    """Malformed YAML, with the position of the problem."""

    def __init__(self, message: str, position: Position | None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


MAX_VALUES = 400_000
"""Most values a site file may hold (an inline border of 100,000 points is 300,001)."""
MAX_ALIASED_VALUES = 50_000
"""Most values that aliases may repeat: aliases of aliases (a "billion laughs" document)
would otherwise expand a few hundred bytes into gigabytes."""


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self._values = 0
        self._aliased = 0
        self._seen: set[int] = set()
        self.result = ParsedYaml(data=None)

    def build(self, node: yaml.Node, path: FieldPath, key: Position | None) -> object:
        self._count(node)
        self.result.marks[path] = NodeMarks(Position.of(node.start_mark), key)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _count(self, node: yaml.Node) -> None:
        self._values += 1
        if id(node) in self._seen:  # reached again through an alias
            self._aliased += 1
        else:
            self._seen.add(id(node))
        if self._values > MAX_VALUES or self._aliased > MAX_ALIASED_VALUES:
            raise YamlSyntaxError(
                f"invalid YAML: the document expands to more than {MAX_VALUES:,} values, or "
                f"its aliases repeat more than {MAX_ALIASED_VALUES:,}",
                Position.of(node.start_mark),
            )

    def _scalar(self, node: yaml.Node) -> object:
        try:
            return self._loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise YamlSyntaxError(
                f"invalid YAML value: {str(exc).split(';')[0]}", Position.of(node.start_mark)
            ) from None

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[object, object]:
        self._loader.flatten_mapping(node)  # resolves '<<' merge keys in place
        out: dict[object, object] = {}
        first_seen: dict[object, Position] = {}
        for key_node, value_node in node.value:
            key_pos = Position.of(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.result.problems.append(
                    (path, key_pos, "mapping keys must be plain names, not lists or mappings")
                )
                continue
            key = self._scalar(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            if key in first_seen:
                self.result.problems.append(
                    (
                        (*path, str(key)),
                        key_pos,
                        f"duplicate key {key!r} (first given at line {first_seen[key].line}); "
                        "the later value would silently win",
                    )
                )
                continue
            first_seen[key] = key_pos
            child: str | int = key if isinstance(key, str | int) else str(key)
            out[key] = self.build(value_node, (*path, child), key_pos)
        return out


def _position_of_index(text: str, index: int) -> Position:
    before = text[:index]
    return Position(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> YamlSyntaxError:
    what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
    return YamlSyntaxError(
        f"invalid YAML: character {what} is not allowed ({exc.reason})",
        _position_of_index(text, exc.position),
    )


TOO_DEEP = "invalid YAML: nested too deeply (or an alias that contains itself)"


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document keeping positions; ``data`` is ``None`` for an empty file.

    Every problem, including characters YAML forbids, values Python cannot hold and
    nesting deeper than the parser's recursion allows, is a :class:`YamlSyntaxError`.
    """
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # checked on construction
        raise _reader_error(text, exc) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise _reader_error(text, exc) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            parts = [p for p in (exc.context, exc.problem) if p]
            message = "invalid YAML: " + ", ".join(parts)
            raise YamlSyntaxError(message, Position.of(mark) if mark else None) from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
        except RecursionError:
            raise YamlSyntaxError(TOO_DEEP, None) from None
        if node is None:
            return ParsedYaml(data=None)
        builder = _Builder(loader)
        try:
            builder.result.data = builder.build(node, (), None)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlSyntaxError(
                f"invalid YAML value: {exc.problem}", Position.of(mark) if mark else None
            ) from None
        except RecursionError:
            raise YamlSyntaxError(TOO_DEEP, None) from None
        return builder.result
    finally:
        loader.dispose()
