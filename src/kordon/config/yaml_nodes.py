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


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self.result = ParsedYaml(data=None)

    def build(self, node: yaml.Node, path: FieldPath, key: Position | None) -> object:
        self.result.marks[path] = NodeMarks(Position.of(node.start_mark), key)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)

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
            key = self._loader.construct_object(key_node, deep=True)
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


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document keeping positions; ``data`` is ``None`` for an empty file."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            parts = [p for p in (exc.context, exc.problem) if p]
            message = "invalid YAML: " + ", ".join(parts)
            raise YamlSyntaxError(message, Position.of(mark) if mark else None) from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
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
        return builder.result
    finally:
        loader.dispose()
