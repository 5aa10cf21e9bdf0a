"""Input files -> typed model objects, with errors that point at file:line:col.

    book = load_recipes([Path("recipes/supply-chain.yaml"), Path("local.yaml")])
    policy = load_policy(Path("recipes/policy.yaml"))
    snap = load_snapshot(Path("snap.json"))

Reading a file and checking it against its JSON Schema is ``plancc.doc``'s (the one reader of
every input file, plan files too); this module adds the domain rules a schema cannot say
(unknown goods, cycles, duplicate symbols, ...) and collects all problems of a pass into one
``InputErrors``; each problem prints as ``recipes/extra.yaml:12:7: goods.LASER_RIFLES.inputs[2]:
unknown good 'DIAMOND' (did you mean 'DIAMONDS'?)``.

Recipe semantics (also documented at the top of ``recipes/supply-chain.yaml``): files merge in
order; a later file's recipe replaces the earlier one, a later ``raw`` entry makes a good raw
(dropping its recipe) and a later recipe makes a raw good manufactured. Within one file a good
may not be both raw and manufactured, and an input list names each good once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from plancc.doc import (
    Doc,
    PathKey,
    did_you_mean,
    parse_field_path,
    parse_json,
    raise_all,
    read_doc,
    read_or_raise,
    schema,
    schema_errors,
)
from plancc.errors import InputError, InputErrors, Where, quote
from plancc.model import MarketFigures, Policy, Recipe, RecipeBook, Snapshot
from plancc.parse import parse_snapshot, parse_time

# ---------------------------------------------------------------------------------------------
# Schemas and the known goods


@cache
def trade_symbols() -> frozenset[str]:
    """Every good the game knows: the spec's TradeSymbol enum, shipped in the recipe schema."""
    return frozenset(schema("recipe")["$defs"]["TradeSymbol"]["enum"])


def default_recipe_path() -> Path:
    """The bundled ``recipes/supply-chain.yaml`` (checkout or installed package)."""
    return Path(str(resources.files("plancc.recipes").joinpath("supply-chain.yaml")))


def default_policy_path() -> Path:
    return Path(str(resources.files("plancc.recipes").joinpath("policy.yaml")))


# ---------------------------------------------------------------------------------------------
# Recipes


@dataclass(frozen=True)
class _Entry:
    good: str
    inputs: tuple[str, ...]
    note: str
    path: PathKey  # path of the good's value in its doc
    doc: Doc


def _file_entries(doc: Doc) -> tuple[list[_Entry], list[tuple[str, PathKey]], list[InputError]]:
    """Recipes and raw goods of one schema-valid file, plus in-file contradictions."""
    data = doc.data
    errors: list[InputError] = []
    raw: list[tuple[str, PathKey]] = []
    seen_raw: dict[str, int] = {}
    for i, g in enumerate(data.get("raw", []) or []):
        if g in seen_raw:
            errors.append(
                doc.error(("raw", i), f"{quote(g)} is listed twice (first as raw[{seen_raw[g]}])")
            )
            continue
        seen_raw[g] = i
        raw.append((g, ("raw", i)))
    entries: list[_Entry] = []
    for good, body in (data.get("goods") or {}).items():
        path: PathKey = ("goods", good)
        if isinstance(body, list):
            inputs, note, ipath = body, "", path
        else:
            inputs, note, ipath = body["inputs"], body.get("note", ""), (*path, "inputs")
        seen: dict[str, int] = {}
        for i, g in enumerate(inputs):
            if g in seen:
                errors.append(
                    doc.error(
                        (*ipath, i),
                        f"input {quote(g)} is listed twice (an input list names each good once;"
                        " the game has no per-unit ratios)",
                    )
                )
            seen.setdefault(g, i)
        if good in seen_raw:
            r_line = doc.where(("raw", seen_raw[good]))
            errors.append(
                doc.error(
                    path,
                    f"{quote(good)} is both raw (raw[{seen_raw[good]}], line {r_line.line}) and"
                    " manufactured here; a file may say only one",
                    at_key=True,
                )
            )
        entries.append(_Entry(good, tuple(dict.fromkeys(inputs)), note, ipath, doc))
    return entries, raw, errors


@cache
def _recipe_part_validator(part: str) -> Draft202012Validator:
    """Validator of one ``$defs`` part of the recipe schema (``good``, ``recipe``)."""
    return Draft202012Validator({"$defs": schema("recipe")["$defs"], "$ref": f"#/$defs/{part}"})


def _valid_recipe_part(doc: Doc) -> Doc:
    """The same document with every schema-invalid part left out (positions kept)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    good = _recipe_part_validator("good")
    raw = data.get("raw")
    goods = data.get("goods")
    kept: dict[str, Any] = {
        "raw": [g for g in raw if good.is_valid(g)] if isinstance(raw, list) else [],
        "goods": {
            k: v
            for k, v in goods.items()
            if good.is_valid(k) and _recipe_part_validator("recipe").is_valid(v)
        }
        if isinstance(goods, dict)
        else {},
    }
    return Doc(doc.file, kept, doc.values, doc.keys)


def _find_cycles(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle per strongly connected component that has one, as a closed path.

    Each cycle starts at its component's alphabetically first good and follows the recipe
    inputs in order, so the message is stable.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[set[str]] = []
    counter = 0

    def strong(v: str) -> None:  # iterative Tarjan would be overkill: chains are shallow
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            comps.append(comp)

    for v in sorted(graph):
        if v not in index:
            strong(v)
    cycles = []
    for comp in comps:
        start = min(comp)
        if len(comp) == 1 and start not in graph.get(start, ()):
            continue
        cycles.append(_cycle_from(start, comp, graph))
    return sorted(cycles)


def _cycle_from(start: str, comp: set[str], graph: Mapping[str, Sequence[str]]) -> list[str]:
    """Shortest path start -> ... -> start inside ``comp`` (BFS, inputs in recipe order)."""
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in graph.get(v, ()):
                if w not in comp:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]  # unreachable: comp is strongly connected


def load_recipes(paths: Sequence[Path | str]) -> RecipeBook:
    """Recipe files, merged in order -> ``RecipeBook``. Raises ``InputErrors`` listing all problems."""
    errors: list[InputError] = []
    files: list[tuple[list[_Entry], list[tuple[str, PathKey]], Doc]] = []
    if not paths:
        raise InputError("no recipe files given")
    for p in paths:
        try:
            doc, errs = read_doc(Path(p), "recipe")
        except InputError as exc:
            errors.append(exc)
            continue
        errors.extend(errs)
        if doc.data is None:
            errors.append(
                InputError(
                    "empty recipe file (expected 'raw:' and/or 'goods:')", Where(doc.file, 1, 1)
                )
            )
            continue
        errs = schema_errors(doc, "recipe")
        errors.extend(errs)
        if (
            errs or doc.refused
        ):  # keep checking what is well-formed, so one pass finds the other problems too
            doc = _valid_recipe_part(doc)
        entries, raw, errs = _file_entries(doc)
        errors.extend(errs)
        files.append((entries, raw, doc))

    # Merge: later files win.
    recipes: dict[str, _Entry] = {}
    raw_at: dict[str, tuple[Doc, PathKey]] = {}
    for entries, raw, doc in files:
        for g, rpath in raw:
            recipes.pop(g, None)
            raw_at[g] = (doc, rpath)
        for e in entries:
            raw_at.pop(e.good, None)
            recipes[e.good] = e

    # Unknown goods: checked in every file, even in recipes a later file replaced.
    known = trade_symbols() | {e.good for entries, _, _ in files for e in entries}
    for entries, raw, doc in files:
        for g, rpath in raw:
            if g not in known:
                errors.append(doc.error(rpath, f"unknown good {quote(g)}{did_you_mean(g, known)}"))
        for e in entries:
            listed = _listed_inputs(e)
            for i, g in enumerate(listed):
                if g not in known and g not in listed[:i]:  # a repeat is reported as such
                    errors.append(
                        doc.error((*e.path, i), f"unknown good {quote(g)}{did_you_mean(g, known)}")
                    )

    graph = {g: e.inputs for g, e in recipes.items()}
    order = {id(doc): i for i, (_, _, doc) in enumerate(files)}
    for cycle in _find_cycles(graph):
        # Point at the member whose recipe came last: a later file's override is the likely cause.
        e = max(
            (recipes[g] for g in cycle[:-1]),
            key=lambda r: (order[id(r.doc)], r.doc.where(r.path[:2], at_key=True).line),
        )
        errors.append(
            e.doc.error(
                e.path[:2],
                "cycle not cut by a raw material: "
                + " -> ".join(cycle)
                + " (list one of these goods under 'raw')",
                at_key=True,
            )
        )
    raise_all(errors, [str(p) for p in paths])
    return RecipeBook(
        recipes={
            g: Recipe(good=g, inputs=e.inputs, note=e.note, source=_source(e.doc, e.path[:2]))
            for g, e in recipes.items()
        },
        raw=frozenset(raw_at),
    )


def _listed_inputs(e: _Entry) -> list[str]:
    """The inputs as written (duplicates included, so indices match the file)."""
    body = e.doc.data["goods"][e.good]
    return list(body if isinstance(body, list) else body["inputs"])


def _source(doc: Doc, path: PathKey) -> str:
    w = doc.where(path, at_key=True)
    return f"{doc.file}:{w.line}" if w.line else doc.file


# ---------------------------------------------------------------------------------------------
# Policy


def load_policy(path: Path | str) -> Policy:
    """A policy file -> ``Policy``; knobs (and keys of the knob tables) left out keep defaults."""
    doc, errors = read_or_raise(Path(path), "policy")
    data = {} if doc.data is None else doc.data
    doc.data = data
    errors.extend(schema_errors(doc, "policy"))
    raise_all(errors)
    return policy_from_data(data)


def policy_from_data(data: Mapping[str, Any]) -> Policy:
    """Schema-valid policy data -> ``Policy`` (tables merged over the defaults)."""
    default = Policy()
    values: dict[str, Any] = {}
    for f in fields(Policy):
        if f.name not in data:
            continue
        v = data[f.name]
        current = getattr(default, f.name)
        if f.name == "market_figures":
            v = {market: _market_figures(fig) for market, fig in sorted(v.items())}
        elif isinstance(current, Mapping):
            v = {**current, **{k: float(x) for k, x in v.items()}}
        elif isinstance(current, tuple):
            v = tuple(v)
        elif isinstance(current, bool):
            v = bool(v)
        elif isinstance(current, float):
            v = float(v)
        elif isinstance(current, int):
            v = int(v)
        elif current is None and isinstance(v, int | float):
            v = float(v)  # an optional figure (None: unset), e.g. buy_impact_per_lot
        values[f.name] = v
    return Policy(**values)


def _market_figures(data: Mapping[str, Any]) -> MarketFigures:
    lag, half = data.get("production_lag_s"), data.get("recovery_half_life_s")
    return MarketFigures(
        production_lag_s=None if lag is None else int(lag),
        recovery_half_life_s=None if half is None else int(half),
        buy_impact={k: float(x) for k, x in (data.get("buy_impact") or {}).items()},
        sell_impact={k: float(x) for k, x in (data.get("sell_impact") or {}).items()},
    )


# ---------------------------------------------------------------------------------------------
# Snapshots


def load_snapshot(path: Path | str) -> Snapshot:
    """A snapshot JSON (or YAML) file -> ``Snapshot``: schema first, then the object parsers."""
    doc, errors = read_or_raise(Path(path), "snapshot")
    return check_snapshot_doc(doc, errors)


def parse_snapshot_text(text: str, file: str) -> Snapshot:
    """A snapshot's JSON text -> ``Snapshot``, checked exactly as ``load_snapshot`` checks a
    file (``plancc snapshot`` checks what it is about to write with it)."""
    try:
        doc, errors = parse_json(text, file)
    except InputError as exc:
        raise InputErrors([exc]) from None
    return check_snapshot_doc(doc, errors)


def check_snapshot_doc(doc: Doc, errors: list[InputError]) -> Snapshot:
    if doc.data is None:
        errors.append(InputError("empty snapshot file", Where(doc.file)))
    else:
        errors.extend(schema_errors(doc, "snapshot"))
    if not errors:
        errors.extend(_snapshot_consistency(doc))
    if not errors:
        errors.extend(_snapshot_meaning(doc))
    raise_all(errors)
    return snapshot_from_doc(doc)


def snapshot_from_doc(doc: Doc) -> Snapshot:
    """A checked snapshot document -> ``Snapshot``; ships in another system are left out (a
    fleet spreads over systems; the plan is for one), each said in ``left_out``."""
    try:
        snap = parse_snapshot(doc.data)
    except InputError as exc:  # the parser knows the field path; the doc knows its position
        raise InputErrors([doc.error(parse_field_path(exc.field), exc.message)]) from None
    away = [s for s in snap.ships if s.system != snap.system]
    if not away:
        return snap
    return replace(
        snap,
        ships=tuple(s for s in snap.ships if s.system == snap.system),
        left_out=tuple(
            f"ship {s.symbol} left out: it is in system {s.system}, not {snap.system}" for s in away
        ),
    )


# A flight across a system takes hours (DRIFT: a day or two); an arrival further than this
# after the capture is a corrupt or hand-edited file, and would stretch every plan to match.
MAX_FLIGHT = timedelta(days=30)


def _time_or_none(value: Any) -> datetime | None:
    """A time to check against, or None: a bad time is the object parser's to report."""
    try:
        return parse_time(value) if value else None
    except InputError:
        return None


def _snapshot_meaning(doc: Doc) -> list[InputError]:
    """What a well-formed snapshot can still get wrong: objects that cannot be where they say."""
    data = doc.data
    system = data["system"]
    errors: list[InputError] = []
    if not data["waypoints"]:  # every ship and market would be "at an unknown waypoint"
        return [
            doc.error(
                ("waypoints",), "lists no waypoints: a snapshot records its system's waypoints"
            )
        ]
    waypoints = {w["symbol"] for w in data["waypoints"]}
    for i, w in enumerate(data["waypoints"]):
        if w["systemSymbol"] != system or not w["symbol"].startswith(f"{system}-"):
            errors.append(
                doc.error(
                    ("waypoints", i, "symbol"),
                    f"waypoint {quote(w['symbol'])} is not in the snapshot's system {quote(system)}",
                )
            )
    for i, m in enumerate(data["markets"]):
        if m["symbol"] not in waypoints:
            errors.append(
                doc.error(
                    ("markets", i, "symbol"), f"no waypoint {quote(m['symbol'])} in waypoints"
                )
            )
    captured = _time_or_none(data["capturedAt"])
    for i, s in enumerate(data["ships"]):
        nav, cargo, fuel = s["nav"], s["cargo"], s["fuel"]
        if nav["systemSymbol"] == system and nav["waypointSymbol"] not in waypoints:
            errors.append(
                doc.error(
                    ("ships", i, "nav", "waypointSymbol"),
                    f"ship {quote(s['symbol'])} is at {quote(nav['waypointSymbol'])}, "
                    "which is not in waypoints",
                )
            )
        held = sum(item["units"] for item in cargo.get("inventory") or ())
        if cargo["units"] > cargo["capacity"]:
            errors.append(
                doc.error(
                    ("ships", i, "cargo", "units"),
                    f"{cargo['units']} units in a hold of {cargo['capacity']}",
                )
            )
        elif held != cargo["units"]:
            errors.append(
                doc.error(
                    ("ships", i, "cargo", "units"),
                    f"says {cargo['units']} units but the inventory holds {held}",
                )
            )
        if fuel["current"] > fuel["capacity"]:
            errors.append(
                doc.error(
                    ("ships", i, "fuel", "current"),
                    f"{fuel['current']} fuel in a tank of {fuel['capacity']}",
                )
            )
        route = nav.get("route") or {}
        arrival = _time_or_none(route.get("arrival"))
        if arrival is not None and captured is not None and arrival - captured > MAX_FLIGHT:
            days = (arrival - captured).days
            errors.append(
                doc.error(
                    ("ships", i, "nav", "route", "arrival"),
                    f"arrives {days} days after capturedAt; a flight takes hours",
                )
            )
    return errors


def _snapshot_consistency(doc: Doc) -> list[InputError]:
    """What the schema cannot say: unique symbols, observedAt naming known markets."""
    data = doc.data
    errors: list[InputError] = []
    for key in ("ships", "waypoints", "markets"):
        seen: dict[str, int] = {}
        for i, obj in enumerate(data[key]):
            sym = obj["symbol"]
            if sym in seen:
                errors.append(
                    doc.error(
                        (key, i, "symbol"),
                        f"{quote(sym)} appears twice (first at {key}[{seen[sym]}])",
                    )
                )
            seen.setdefault(sym, i)
    markets = {m["symbol"] for m in data["markets"]}
    for sym in data.get("observedAt") or {}:
        if sym not in markets:
            errors.append(
                doc.error(
                    ("observedAt", sym),
                    f"no market {quote(sym)} in markets",
                    at_key=True,
                )
            )
    return errors
