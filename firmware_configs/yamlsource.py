"""YAML documents that remember where each value came from.

PyYAML's ``compose`` keeps a node tree with start marks; the data is constructed from
that same tree, so a pydantic error location (``("beacons", 2, "ibeacon", "major")``)
can be walked back to a line of the file the user wrote.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from firmware_configs.errors import ConfigError

# A store config has hundreds of values; this many (aliases expanded) is an attack
# ("billion laughs") or a mistake, and walking it would hang the validator.
MAX_VALUES: Final = 100_000
MAX_BYTES: Final = 4 * 1024 * 1024


class YamlSyntaxError(ConfigError):
    """A file is not YAML, or not one mapping."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: yaml: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key given twice in one mapping; YAML would silently keep the last one."""

    loc: tuple[str | int, ...]
    line: int


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One parsed file: the data, and its node tree for line look-ups."""

    path: Path
    data: object
    root: yaml.Node

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The 1-based line of the value at ``loc``, or of the nearest enclosing one.

        For a key that exists the line of the key is given (where the user would look);
        for a missing key, the line of the mapping that should hold it."""
        node = self.root
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            key_node, value_node = child
            if part == loc[-1] and key_node is not None:
                return key_node.start_mark.line + 1
            node = value_node
        return node.start_mark.line + 1

    def walk(self) -> Iterator[tuple[tuple[str | int, ...], yaml.Node, yaml.Node | None]]:
        """Every (loc, value node, key node) in the document, depth first."""
        yield from _walk(self.root, ())


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the last duplicate wins, as in the data
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
        return None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return None, node.value[part]
    return None


def _walk(
    node: yaml.Node, loc: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], yaml.Node, yaml.Node | None]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            yield (*loc, name), value, key
            yield from _walk(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*loc, index), item, None
            yield from _walk(item, (*loc, index))


def duplicate_keys(doc: YamlDocument) -> list[DuplicateKey]:
    """Keys that appear twice in the same mapping."""
    found: list[DuplicateKey] = []
    nodes: list[tuple[tuple[str | int, ...], yaml.Node]] = [((), doc.root)]
    nodes.extend((loc, value) for loc, value, _key in doc.walk())
    for loc, node in nodes:
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: set[str] = set()
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value in seen:
                found.append(DuplicateKey((*loc, key.value), key.start_mark.line + 1))
            seen.add(key.value)
    return found


def expanded_size(root: yaml.Node) -> int:
    """How many nodes the tree has with every alias expanded (computed without expanding).

    A recursive alias (a node inside itself) counts as more than any limit."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return sys.maxsize
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load(path: Path) -> YamlDocument:
    """Read and parse ``path``; raise :class:`YamlSyntaxError` with a line on bad YAML."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise YamlSyntaxError(path, 1, f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(path, 1, "not UTF-8 text") from exc
    except OSError as exc:
        raise YamlSyntaxError(path, 0, f"cannot read: {exc.strerror or exc}") from exc
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise YamlSyntaxError(path, 1, "the file is empty")
        if expanded_size(root) > MAX_VALUES:
            why = f"more than {MAX_VALUES} values once aliases expand, or an alias inside itself"
            raise YamlSyntaxError(path, 1, why)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(
            path, line, f"{exc.problem or exc.context or 'syntax error'}"
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 1, str(exc)) from exc
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise YamlSyntaxError(path, root.start_mark.line + 1, "a config file must be a mapping")
    return YamlDocument(path=path, data=data, root=root)
