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
import re
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
from plancc.errors import InputError, InputErrors, Where, quote
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
            name = str(p) if len(str(p)) <= 40 else str(p)[:37] + "..."  # a key quoted, not a file
            out += f".{name}" if out else name
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
    # values refused while reading (read as None): the schema does not report them again
    refused: set[PathKey] = field(default_factory=set)

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


# ---------------------------------------------------------------------------------------------
# Values: every one is checked as it is read


MAX_INT_DIGITS = 40  # no plancc file holds a longer integer; Python refuses past 4300


def text_problem(text: str) -> str:
    """Why a string read from a file cannot be used as text, or "" when it can."""
    if "\x00" in text:
        return "contains a NUL character (\\x00)"
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            return f"contains a lone surrogate (\\u{ord(ch):04x}), which is not Unicode text"
    return ""


def _text_problems(data: Any, path: PathKey) -> Iterable[tuple[PathKey, bool, str]]:
    """(path, at_key, problem) for every key or string value of ``data`` that is not text."""
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            yield path, False, problem
    elif isinstance(data, dict):
        for k, v in data.items():
            problem = text_problem(k) if isinstance(k, str) else ""
            if problem:
                yield (*path, k), True, f"key {problem}"
            yield from _text_problems(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _text_problems(v, (*path, i))


_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_STANDARD = "tag:yaml.org,2002:"
_RESOLVER = yaml.SafeLoader("")


def _explicit_tag(node: yaml.Node) -> str:
    """The tag written on ``node`` when it changes what the node is (``!custom``,
    ``!!python/...``, ``!!binary``), else "". plancc files never need one."""
    if isinstance(node, yaml.MappingNode):
        implicit = _STANDARD + "map"
    elif isinstance(node, yaml.SequenceNode):
        implicit = _STANDARD + "seq"
    else:
        plain = node.style in (None, "")
        implicit = _RESOLVER.resolve(yaml.ScalarNode, node.value, (plain, not plain))
    if node.tag == implicit:
        return ""
    tag = str(node.tag)
    return "!!" + tag.removeprefix(_STANDARD) if tag.startswith(_STANDARD) else tag


def _tag_refused(node: yaml.Node, path: PathKey, doc: Doc, errors: list[InputError]) -> bool:
    """True (and the problem in ``errors``) when ``node`` carries a tag."""
    tag = _explicit_tag(node)
    if tag:
        doc.refused.add(path)
        errors.append(
            InputError(
                f"YAML tags are not allowed in plancc files ({quote(tag)})",
                Where(doc.file, *_mark(node)),
                field_path(path),
            )
        )
    return bool(tag)


def _scalar(node: yaml.Node, path: PathKey, doc: Doc, scalar: Any, errors: list[InputError]) -> Any:
    """One scalar's value, or None with the problem in ``errors`` (at the scalar)."""

    def refuse(message: str) -> None:
        doc.refused.add(path)
        errors.append(InputError(message, Where(doc.file, *_mark(node)), field_path(path)))

    if node.tag == _STANDARD + "int":
        digits = sum(ch.isdigit() for ch in node.value)
        if digits > MAX_INT_DIGITS:
            refuse(f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS})")
            return None
    try:
        value = scalar.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        if node.tag == _STANDARD + "timestamp":
            refuse(f"{quote(node.value)} is not a real date or time ({problem})")
        else:
            refuse(f"cannot read {quote(node.value)}: {problem}")
        return None
    if isinstance(value, str) and text_problem(value):
        refuse(text_problem(value))
        return None
    return value


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
    if _tag_refused(node, path, doc, errors):
        return None
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
            problems = len(errors)
            key = _tag_refused(knode, path, doc, errors) or _scalar(
                knode, path, doc, scalar, errors
            )
            if len(errors) > problems:  # a key that cannot be read: its value is left out
                continue
            key = key if isinstance(key, str) else str(key)
            kpath = (*path, key)
            if key in out:
                first = doc.keys[kpath][0]
                errors.append(
                    InputError(
                        f"duplicate key {quote(key)} (first at line {first})",
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
    return _scalar(node, path, doc, scalar, errors)


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


def _reader_error(file: str, text: str, exc: yaml.reader.ReaderError) -> InputError:
    """A character YAML refuses (NUL, other control characters), at its line and column."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    return InputError(
        f"malformed YAML: unacceptable character #x{char:04x}: {exc.reason}",
        Where(file, line, column),
    )


def _yaml_error(file: str, exc: yaml.YAMLError, text: str = "") -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader_error(file, text, exc)
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
        raise _yaml_error(file, exc, text) from None
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
    """Locate values of a JSON text (JSON is YAML, near enough); empty Doc if that fails.

    YAML refuses escapes JSON allows (a lone surrogate ``\\ud800``): those are replaced by a
    character of the same length first, so the problem they cause can still be located."""
    text = _LONE_SURROGATE_ESCAPE.sub(r"\\u0800", text.replace("\t", " "))
    try:
        doc, _ = parse_yaml(text, file)
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

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise _IntegerTooLong(digits)
        return int(digits)

    deep = False
    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_int=bounded_int)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", Where(file, exc.lineno, exc.colno)) from None
    except RecursionError:
        data, deep = None, True
    except _IntegerTooLong as exc:  # the YAML reading of the text says where it is
        n = len(str(exc).lstrip("-"))
        fallback = InputError(f"an integer of {n} digits is too long (at most {MAX_INT_DIGITS})")
        _, located = parse_yaml(text.replace("\t", " "), file)
        raise next((e for e in located if "digits is too long" in e.message), fallback) from None
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
    for p, at_key, problem in _text_problems(data, ()):
        errors.append(doc.error(p, problem, at_key))
        doc.refused.add(p)
    return doc, errors


class _IntegerTooLong(ValueError):
    """A JSON integer with more than ``MAX_INT_DIGITS`` digits (``str``: its digits)."""


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
    return f" (did you mean {quote(close[0])}?)" if close else ""


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
        if (
            tuple(err.absolute_path) not in bad_numbers
            and tuple(err.absolute_path) not in doc.refused
        ):
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
            doc.error((*path, k), f"unknown field {quote(k)}{did_you_mean(k, known)}", at_key=True)
            for k in extra
        ]
    if v == "required":
        missing = str(err.message).split("'")[1] if "'" in str(err.message) else str(err.message)
        return [doc.error(path, f"missing required field {quote(missing)}")]
    if v == "type":
        msg = s.get("x-type-message") or f"expected {_type_words(err.validator_value)}"
        return [doc.error(path, f"{msg}, got {kind_of(err.instance)}")]
    if v == "enum":
        choices = [c for c in err.validator_value if c is not None]
        listed = ", ".join(map(str, choices))
        if not isinstance(err.instance, str):  # `flight_mode: no` is a YAML boolean
            return [doc.error(path, f"expected one of {listed}, got {kind_of(err.instance)}")]
        hint = did_you_mean(err.instance, choices)
        return [doc.error(path, f"{quote(err.instance)} is not one of {listed}{hint}")]
    if v == "pattern":
        msg = f"{quote(err.instance)} is not a good symbol (UPPER_CASE letters, digits, _)"
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
        return [doc.error(path, f"must be {op} {err.validator_value}, got {quote(err.instance)}")]
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
