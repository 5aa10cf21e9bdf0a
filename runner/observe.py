"""API objects -> the runner's own records (quotes, ship states)."""

from __future__ import annotations

from typing import Any

from runner.model import Quote, ShipState


def quotes_of(market: Any, at: float) -> list[Quote]:
    """The ``tradeGoods`` of a ``plancc.model.Market`` read at server time ``at``."""
    return [
        Quote(
            market=market.symbol,
            good=g.symbol,
            at=at,
            type=g.type,
            supply=g.supply,
            purchase=g.purchase_price,
            sell=g.sell_price,
            trade_volume=g.trade_volume,
            activity=g.activity or "",
        )
        for g in market.trade_goods
    ]


def ship_state_of(ship: Any) -> ShipState:
    """A ``plancc.model.Ship`` as read from the server."""
    return ShipState(
        symbol=ship.symbol,
        waypoint=ship.waypoint,
        status=ship.status,
        arrival=ship.arrival.timestamp() if ship.arrival and ship.status == "IN_TRANSIT" else None,
        flight_mode=ship.flight_mode,
        fuel=ship.fuel_current,
        fuel_capacity=ship.fuel_capacity,
        cargo_capacity=ship.cargo_capacity,
        cargo={c.symbol: c.units for c in ship.cargo if c.units > 0},
        speed=ship.engine_speed,
    )


def merge_observations(snapshot: dict[str, Any], store: Any) -> dict[str, Any]:
    """``snapshot`` (the API's view) with the freshest market observations the runner has.

    A market the API showed without ``tradeGoods`` (no ship there), or with older ones, takes
    the goods of its latest read in state; ``observedAt`` gets that read's time and
    ``observedAgeSeconds`` notes each market's age against ``capturedAt``.
    """
    from datetime import UTC, datetime

    from plancc.parse import format_time, parse_time

    def parse_iso(text: str) -> float:
        return parse_time(text, "capturedAt").timestamp()

    def iso(ts: float) -> str:
        return format_time(datetime.fromtimestamp(ts, UTC))

    captured = parse_iso(snapshot["capturedAt"])
    reads = store.market_read_at()
    quotes = store.latest_quotes()
    observed = dict(snapshot.get("observedAt") or {})
    ages: dict[str, float] = {}
    for market in snapshot.get("markets", []):
        symbol = market.get("symbol")
        api_at = parse_iso(observed[symbol]) if symbol in observed else None
        read_at = reads.get(symbol)
        if read_at is not None and (api_at is None or read_at > api_at):
            market["tradeGoods"] = [
                {
                    "symbol": q.good,
                    "type": q.type,
                    "tradeVolume": q.trade_volume,
                    "supply": q.supply,
                    **({"activity": q.activity} if q.activity else {}),
                    "purchasePrice": q.purchase,
                    "sellPrice": q.sell,
                }
                for (m, _), q in sorted(quotes.items())
                if m == symbol and q.at == read_at
            ]
            observed[symbol] = iso(read_at)
            api_at = read_at
        if api_at is not None:
            ages[symbol] = round(max(0.0, captured - api_at), 1)
    snapshot["observedAt"] = dict(sorted(observed.items()))
    snapshot["observedAgeSeconds"] = dict(sorted(ages.items()))
    return snapshot
