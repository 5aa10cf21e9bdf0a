"""How like a live system a system is: the figures issue 9 compares, from one snapshot.

Pure: a plancc snapshot dict (``markets`` with ``tradeGoods``, ``waypoints``) in, a flat dict of
figures out. The same function measures the real X1-AD75 recording and the twin's generated
systems (``seen_from_everywhere``), so the fidelity benchmark compares like with like.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from plancc.sim.universe import supply_chain

CALM = ("WEAK", "RESTRICTED")


def _share(values: Sequence[str], wanted: Sequence[str]) -> float:
    return sum(v in wanted for v in values) / len(values) if values else 0.0


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def system_figures(snapshot: Mapping[str, Any]) -> dict[str, float]:
    """Markets, products, supply/activity and tradeVolume mix, margins and distances."""
    chain = supply_chain()
    made = set(chain.manufactured)
    markets = list(snapshot.get("markets") or [])
    where = {w["symbol"]: (w["x"], w["y"]) for w in snapshot.get("waypoints") or []}
    rows = [(m["symbol"], r) for m in markets for r in m.get("tradeGoods") or []]
    exports = [(s, r) for s, r in rows if r["type"] == "EXPORT"]
    imports = [(s, r) for s, r in rows if r["type"] == "IMPORT"]
    made_exports = [(s, r) for s, r in exports if r["symbol"] in made]
    calm_importers: dict[str, list[dict[str, Any]]] = {}
    importers: dict[str, set[str]] = {}
    for s, r in imports:
        importers.setdefault(r["symbol"], set()).add(s)
        if r.get("activity") in CALM:
            calm_importers.setdefault(r["symbol"], []).append(r)
    products = {r["symbol"] for _, r in made_exports} & set(calm_importers)
    margins = []
    for _, r in made_exports:
        best = max((i["sellPrice"] for i in calm_importers.get(r["symbol"], ())), default=0)
        if best:
            margins.append(best / r["purchasePrice"])
    consumer_imports = [
        sum(1 for r in m.get("tradeGoods") or [] if r["type"] == "IMPORT")
        for m in markets
        if not any(r["type"] == "EXPORT" for r in m.get("tradeGoods") or [])
    ]
    points = [where[m["symbol"]] for m in markets if m["symbol"] in where]
    distances = [math.dist(a, b) for a, b in combinations(points, 2)]
    volumes = [r["tradeVolume"] for _, r in rows]
    return {
        "waypoints": len(where),
        "markets": len(markets),
        "market share of waypoints": len(markets) / len(where) if where else 0.0,
        "manufactured goods exported": len({r["symbol"] for _, r in made_exports}),
        "products (factory + WEAK/RESTRICTED importer)": len(products),
        "importers per imported good": (
            statistics.fmean(len(v) for v in importers.values()) if importers else 0.0
        ),
        "most imports at a market without exports": max(consumer_imports, default=0),
        "made exports HIGH/ABUNDANT": _share(
            [r["supply"] for _, r in made_exports], ("HIGH", "ABUNDANT")
        ),
        "made exports SCARCE/LIMITED": _share(
            [r["supply"] for _, r in made_exports], ("SCARCE", "LIMITED")
        ),
        "exports STRONG/GROWING": _share(
            [r.get("activity", "") for _, r in exports], ("STRONG", "GROWING")
        ),
        "imports WEAK": _share([r.get("activity", "") for _, r in imports], ("WEAK",)),
        "imports GROWING": _share([r.get("activity", "") for _, r in imports], ("GROWING",)),
        "tradeVolume 6 share": sum(v == 6 for v in volumes) / len(volumes) if volumes else 0.0,
        "distinct tradeVolumes": len(set(volumes)),
        "one-step margin (best calm sell / factory buy)": (
            statistics.median(margins) if margins else 0.0
        ),
        "market distance median": _quantile(distances, 0.5),
        "market distance p90": _quantile(distances, 0.9),
        "market distance max": max(distances, default=0.0),
    }
