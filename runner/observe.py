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
    )
