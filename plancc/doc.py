"""The one reader of every input file: YAML or JSON text -> data that knows where it came from.

Recipes, policy, snapshots and plan files are all read here, so they all get the same errors:
one ``InputError`` per problem, printed ``file:line:col: field.path: problem``.

    doc, problems = read_doc(Path("recipes/extra.yaml"))   # problems: duplicate keys, ...
    errors = schema_errors(doc, "recipe")                   # schemas/recipe.schema.json
    doc.where(("goods", "X", "inputs", 2))                  # Where("recipes/extra.yaml", 12, 7)

Positions come from the YAML node marks (JSON is read with ``json`` for exact semantics and
re-read as YAML only to locate an error). Refused while reading, each at its position: malformed
text, duplicate keys, nesting deeper than ``MAX_DEPTH``, alias bombs (``MAX_REPEATS``).
Schema messages are translated into a player's words (``unknown field 'x' (did you mean
'y'?)``, ``expected an integer, got a string``). The domain rules live in ``plancc.load``.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from plancc import fileio
from plancc.errors import InputError, InputErrors, Where
from plancc.parse import kind_of

PathKey = tuple[str | int, ...]

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------------------------------------
# Schemas


@cache
def schema(name: str) -> dict[str, Any]:
    """``schema("recipe")`` -> the parsed ``schemas/recipe.schema.json`` (from the package)."""
    text = resources.files("plancc.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


# ---------------------------------------------------------------------------------------------
# A parsed document that remembers where each value came from


def field_path(path: Iterable[str | int]) -> str:
    """``("goods", "X", "inputs", 2)`` -> ``goods.X.inputs[2]``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def parse_field_path(text: str) -> PathKey:
    """Inverse of ``field_path`` (for keys without dots or brackets, i.e. all of ours)."""
    out: list[str | int] = []
    for part in text.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        while rest:
            idx, _, rest = rest.partition("]")
            out.append(int(idx))
            rest = rest[1:] if rest.startswith("[") else rest
    return tuple(out)


@dataclass
class Doc:
    """Data of one file plus the 1-based (line, col) of each value and each mapping key."""

    file: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey, at_key: bool = False) -> Where:
        """Position of ``path`` (its key when ``at_key``), else of its nearest known parent."""
        if at_key and path in self.keys:
            return Where(self.file, *self.keys[path])
        p = tuple(path)
        while p:
            if p in self.values:
                return Where(self.file, *self.values[p])
            p = p[:-1]
        return Where(self.file, *self.values.get((), (0, 0)))

    def error(self, path: PathKey, message: str, at_key: bool = False) -> InputError:
        return InputError(message, self.where(path, at_key), field_path(path))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# Aliases copy what they refer to, so ten lines of aliases of aliases can stand for 10^9
# values ("billion laughs"). No hand-written file repeats collections this often.
MAX_REPEATS = 10_000


@dataclass
class _Seen:
    """Collection nodes built so far, and how many times one was built again (via an alias)."""

    nodes: set[int] = field(default_factory=set)
    repeats: int = 0


def _build(
    node: yaml.Node,
    path: PathKey,
    doc: Doc,
    scalar: Any,
    errors: list[InputError],
    active: frozenset[int] = frozenset(),
    seen: _Seen | None = None,
) -> Any:
    """Node tree -> plain data, recording marks and reporting duplicate keys.

    ``active`` holds the collection nodes being built above this one: an alias that points back
    to one of them would make an endless structure, so it is reported and left out. ``seen``
    counts collections built again through aliases; past ``MAX_REPEATS`` the file is refused.
    """
    seen = _Seen() if seen is None else seen
    doc.values[path] = _mark(node)
    if id(node) in active:
        errors.append(
            InputError("an alias refers to itself", Where(doc.file, *_mark(node)), field_path(path))
        )
        return None
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        active = active | {id(node)}
        if id(node) in seen.nodes:
            seen.repeats += 1
            if seen.repeats > MAX_REPEATS:
                raise InputError(
                    f"aliases repeat more than {MAX_REPEATS} lists or mappings (this one last)",
                    Where(doc.file, *_mark(node)),
                )
        seen.nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        scalar.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                errors.append(
                    InputError(
                        "a key must be a plain value",
                        Where(doc.file, *_mark(knode)),
                        field_path(path),
                    )
                )
                continue
            key = scalar.construct_object(knode, deep=True)
            key = key if isinstance(key, str) else str(key)
            kpath = (*path, key)
            if key in out:
                first = doc.keys[kpath][0]
                errors.append(
                    InputError(
                        f"duplicate key {key!r} (first at line {first})",
                        Where(doc.file, *_mark(knode)),
                        field_path(kpath),
                    )
                )
                continue
            doc.keys[kpath] = _mark(knode)
            out[key] = _build(vnode, kpath, doc, scalar, errors, active, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(n, (*path, i), doc, scalar, errors, active, seen)
            for i, n in enumerate(node.value)
        ]
    return scalar.construct_object(node, deep=True)


# No plancc file nests deeper than ~10 levels; past this a file is refused with its position
# (deeper data would overflow the recursion of the parsers and the schema validator).
MAX_DEPTH = 64


def _too_deep(
    node: yaml.Node,
    depth: int = 0,
    active: frozenset[int] = frozenset(),
    checked: dict[int, int] | None = None,
) -> yaml.Node | None:
    """The first collection node nested deeper than ``MAX_DEPTH``, or None (bounded recursion;
    an alias that refers back to an enclosing node is left to ``_build`` to report).

    ``checked`` holds the least depth each node was found fine at: an alias met again no deeper
    is not walked again, so aliases of aliases cost no more than the nodes themselves.
    """
    checked = {} if checked is None else checked
    if not isinstance(node, yaml.MappingNode | yaml.SequenceNode) or id(node) in active:
        return None
    if depth >= MAX_DEPTH:
        return node
    if checked.get(id(node), MAX_DEPTH) <= depth:
        return None
    active = active | {id(node)}
    children = (
        [n for pair in node.value for n in pair]
        if isinstance(node, yaml.MappingNode)
        else node.value
    )
    for child in children:
        found = _too_deep(child, depth + 1, active, checked)
        if found is not None:
            return found
    checked[id(node)] = depth
    return None


def _too_deep_error(file: str, node: yaml.Node) -> InputError:
    return InputError(f"nested more than {MAX_DEPTH} levels deep", Where(file, *_mark(node)))


def _yaml_error(file: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = Where(file, mark.line + 1, mark.column + 1) if mark is not None else Where(file)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    cmark = getattr(exc, "context_mark", None)
    if context and cmark is not None and mark is not None and cmark.line != mark.line:
        context += f" at line {cmark.line + 1}"
    msg = f"malformed YAML: {problem}" + (f" ({context})" if context else "")
    return InputError(msg, where)


def parse_yaml(text: str, file: str) -> tuple[Doc, list[InputError]]:
    """YAML text -> Doc with positions; problems (duplicate keys) are returned, not raised.

    Raises ``InputError`` for malformed YAML (with the line it broke on).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(file, exc) from None
    finally:
        loader.dispose()
    doc = Doc(file, None)
    errors: list[InputError] = []
    if node is None:
        return doc, errors
    deep = _too_deep(node)
    if deep is not None:
        raise _too_deep_error(file, deep)
    try:
        doc.data = _build(node, (), doc, yaml.SafeLoader(""), errors)
    except yaml.YAMLError as exc:  # e.g. a bad timestamp or an unknown !tag
        raise _yaml_error(file, exc) from None
    return doc, errors


def _positions_of_json(text: str, file: str) -> Doc:
    """Locate values of a JSON text (JSON is YAML, near enough); empty Doc if that fails."""
    try:
        doc, _ = parse_yaml(text.replace("\t", " "), file)
    except InputError:
        return Doc(file, None)
    return doc


def parse_json(text: str, file: str) -> tuple[Doc, list[InputError]]:
    """JSON text -> Doc. Positions are computed only when a problem needs them."""
    dup: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                dup.append(k)
            out[k] = v
        return out

    deep = False
    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", Where(file, exc.lineno, exc.colno)) from None
    except RecursionError:
        data, deep = None, True
    if deep or _data_too_deep(data):
        where = Where(file)
        try:  # the YAML reading of the text finds where it gets too deep
            parse_yaml(text.replace("\t", " "), file)
        except InputError as exc:
            where = exc.where or where
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", where)
    doc = LazyDoc(file, data, text=text)
    errors: list[InputError] = []
    if dup:  # json.loads kept the last; the YAML pass reports each duplicate with its position
        _, errors = parse_yaml(text.replace("\t", " "), file)
    return doc, errors


def _data_too_deep(data: Any, depth: int = 0) -> bool:
    if not isinstance(data, dict | list):
        return False
    if depth >= MAX_DEPTH:
        return True
    values = data.values() if isinstance(data, dict) else data
    return any(_data_too_deep(v, depth + 1) for v in values)


@dataclass
class LazyDoc(Doc):
    """A Doc whose positions are computed on first use (locating costs a second parse)."""

    text: str = ""
    _located: bool = False

    def where(self, path: PathKey, at_key: bool = False) -> Where:
        if not self._located:
            located = _positions_of_json(self.text, self.file)
            self.values, self.keys, self._located = located.values, located.keys, True
        return super().where(path, at_key)


def read_text(path: Path, what: str = "file", kind: str = "file") -> str:
    """The UTF-8 text of an input file; a missing, unreadable, non-regular (FIFO, device) or
    oversized one is an InputError naming it (``what``: the words for "no such ..." -- "file",
    "plan file"; ``kind`` picks the size limit, ``plancc.fileio.LIMITS``)."""
    return fileio.read_text(path, kind=kind, what=what)


def read_doc(path: Path, kind: str = "file") -> tuple[Doc, list[InputError]]:
    """Read a YAML or JSON file (by suffix) into a Doc; unreadable files are InputErrors."""
    text, file = read_text(path, kind=kind), str(path)
    if path.suffix.lower() == ".json":
        return parse_json(text, file)
    return parse_yaml(text, file)


def read_or_raise(path: Path, kind: str = "file") -> tuple[Doc, list[InputError]]:
    """``read_doc``, but an unreadable file is raised as ``InputErrors`` like every problem."""
    try:
        return read_doc(path, kind)
    except InputError as exc:
        raise InputErrors([exc]) from None


# ---------------------------------------------------------------------------------------------
# Schema errors -> one clear line each


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'DIAMONDS'?)`` or empty."""
    options = sorted(choices)
    same_case = [c for c in options if c.upper() == word.upper()]
    close = same_case or difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def schema_errors(doc: Doc, name: str) -> list[InputError]:
    """Validate ``doc.data`` against ``schemas/<name>.schema.json``; one InputError per problem."""
    # NaN passes every minimum/maximum (its comparisons are all false), so non-finite numbers
    # (YAML .nan/.inf, JSON NaN/Infinity) are refused here, once, before the schema speaks.
    bad_numbers = dict(_non_finite(doc.data, ()))
    out = [doc.error(path, f"must be a finite number, got {v}") for path, v in bad_numbers.items()]
    errs = sorted(
        validator(name).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))
    )
    for err in errs:
        if tuple(err.absolute_path) not in bad_numbers:
            out.extend(_schema_error(doc, err))
    return out


def _non_finite(data: Any, path: PathKey) -> Iterable[tuple[PathKey, float]]:
    if isinstance(data, float) and not math.isfinite(data):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _non_finite(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _non_finite(v, (*path, i))


def _schema_error(doc: Doc, err: ValidationError) -> list[InputError]:
    path: PathKey = tuple(err.absolute_path)
    v, s = err.validator, err.schema if isinstance(err.schema, dict) else {}
    if v == "additionalProperties":
        known = list(s.get("properties", {}))
        extra = [k for k in err.instance if k not in s.get("properties", {})]
        return [
            doc.error((*path, k), f"unknown field {k!r}{did_you_mean(k, known)}", at_key=True)
            for k in extra
        ]
    if v == "required":
        missing = str(err.message).split("'")[1] if "'" in str(err.message) else str(err.message)
        return [doc.error(path, f"missing required field {missing!r}")]
    if v == "type":
        msg = s.get("x-type-message") or f"expected {_type_words(err.validator_value)}"
        return [doc.error(path, f"{msg}, got {kind_of(err.instance)}")]
    if v == "enum":
        choices = [c for c in err.validator_value if c is not None]
        listed = ", ".join(map(str, choices))
        if not isinstance(err.instance, str):  # `flight_mode: no` is a YAML boolean
            return [doc.error(path, f"expected one of {listed}, got {kind_of(err.instance)}")]
        hint = did_you_mean(err.instance, choices)
        return [doc.error(path, f"{err.instance!r} is not one of {listed}{hint}")]
    if v == "pattern":
        msg = f"{err.instance!r} is not a good symbol (UPPER_CASE letters, digits, _)"
        if "propertyNames" in err.relative_schema_path:  # the key itself is wrong
            return [doc.error((*path, err.instance), msg, at_key=True)]
        return [doc.error(path, msg)]
    if v == "minItems":
        n = err.validator_value
        return [doc.error(path, "must not be empty" if n == 1 else f"must list at least {n} items")]
    if v == "uniqueItems":
        return [doc.error(path, "lists an item twice")]
    if v == "minProperties":
        return [doc.error(path, "must not be empty")]
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[v]
        return [doc.error(path, f"must be {op} {err.validator_value}, got {err.instance!r}")]
    return [doc.error(path, err.message)]


def _type_words(t: Any) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    ts = t if isinstance(t, list) else [t]
    return " or ".join(names.get(x, str(x)) for x in ts)


def raise_all(errors: list[InputError], order: Sequence[str] = ()) -> None:
    """Raise all problems at once: files in ``order`` (else as met), each by position."""
    if errors:
        files = list(dict.fromkeys([*order, *(e.where.file if e.where else "" for e in errors)]))

        def key(e: InputError) -> tuple[int, int, int]:
            w = e.where or Where("")
            return files.index(w.file), w.line, w.column

        raise InputErrors(sorted(errors, key=key))
