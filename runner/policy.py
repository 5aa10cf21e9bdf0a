"""The knobs the runner obeys, with defaults taken from plancc's policy and the live facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunnerPolicy:
    price_ceiling: float = 1.25  # never pay more than this times the plan's expected unit price
    sale_floor: float = 0.8  # never sell below this times the plan's expected unit price (sp-lbbm)
    min_margin: float = 0.08  # a pipeline whose projected margin falls below this is failed
    spend_cap_pipeline: int = 500_000  # counted from the ledger, never from plan-time figures
    reserve_credits: int = 10_000  # working-capital floor, checked against live credits
    collect_supply_level: str = "HIGH"  # a factory's export must reach this before COLLECT
    supply_poll_first_s: float = 120.0  # shortest supply poll interval; backs off x1.5
    # a fed factory's export climbs about one supply level per ~25 min (LIVE-FACTS): the
    # next poll is no sooner than this for each level still missing, then backs off x1.5
    supply_level_s: float = 1500.0
    # the longest gap between polls: a factory that turns ready is seen within the hour
    # (multi-level climbs took 4-6 h live); the last poll falls on the end of the patience
    supply_poll_max_s: float = 3600.0
    supply_patience_s: float = 6 * 3600.0  # a factory that never gets there fails its pipeline
    price_patience: int = 5  # stalls on price (ceiling/floor) before the pipeline fails
    max_retries: int = 5  # failures of one action before its task fails
    backoff_base_s: float = 30.0
    backoff_cap_s: float = 1800.0
    arrival_margin_s: float = 120.0  # a transit past ETA + this is re-read from the server
    # at a fuel market (not a planned stop) a ship refuels only when the fuel aboard is short
    # of what its planned hops need up to the next place it can refuel (a planned stop or a
    # market known to sell fuel), plus this fraction of its tank (12 of a 600 tank). The
    # travel formula is exact (plancc.travel), so the margin is only a guard against a
    # rounding the server may do otherwise; a hop the plan did not foresee (a redirect) is
    # costed again at the next fuel market, and one the tank cannot fly is flown through
    # fuel markets (``decide.detour``). 0.05 made 6 refuels of 46 in bench_runner needless.
    refuel_margin: float = 0.02
    # when the hops ahead cannot be costed (a waypoint's coordinates unknown, a liquidation's
    # onward route): refuel when docked at a fuel market below this fraction of the tank
    refuel_below: float = 0.7
    credits_max_age_s: float = 300.0  # live credits older than this are re-read before buying
    view_max_age_s: float = 6 * 3600.0  # a working ship read longer ago is read again first
    flight_mode: str = "CRUISE"
    # within one visit, the next lot's price is judged from the last lot's (the trade's own
    # answer) moved by these, the live maxima per lot (LIVE-FACTS: buying +4-13%, selling
    # -1.1 to -11%), instead of a market read before every lot; a read is made only when that
    # estimate crosses the ceiling or the floor
    buy_impact_guess: float = 0.13
    # a SELL whose bid fell below its floor (an ACQUIRE whose ask rose above its ceiling,
    # nothing bought yet) moves to the best other market read this recently that passes
    elsewhere_max_age_s: float = 3600.0
    sell_impact_guess: float = 0.11
    # a visit's first lot trades without a read of its own on a read of that market by any
    # ship this recent, when the fleet traded none of that good there since: prices move only
    # with trades and on the NPC economy's ~15-minute step (LIVE-FACTS; the twin's STEP), so
    # a read this fresh is the price unless another agent traded in between (its ledger line
    # keeps the price actually paid either way). 120 s: a few percent of a step, so a read
    # taken just before a step boundary is rarely carried far past it
    fresh_quote_s: float = 120.0
    # an idle hauler takes over a leg ready to load that waits behind its ship's other work,
    # when it is nearer to the leg's load market than that ship will be (runner.takeover)
    take_over_legs: bool = True
    status_check_every_s: float = 3600.0  # how often a working tick checks the server's resetDate


SUPPLY_RANK = {"SCARCE": 0, "LIMITED": 1, "MODERATE": 2, "HIGH": 3, "ABUNDANT": 4}
