"""Small formatters every page and review shares: durations, credits, "old -> new" fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plancc.model import LegGood

Scalar = str | int | float | None  # a field value as a plan holds it


def fmt_duration(seconds: float) -> str:
    """Plan offsets and spans: "45s", "12m30s", "1h02m", "-3m00s"."""
    s = round(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 60:
        return f"{sign}{s}s"
    if s < 3600:
        return f"{sign}{s // 60}m{s % 60:02d}s"
    return f"{sign}{s // 3600}h{s % 3600 // 60:02d}m"


def fmt_goods(goods: Iterable[LegGood]) -> str:
    """The further goods a leg carries, as one readable field: "12 COPPER, 5 IRON"."""
    return ", ".join(f"{g.quantity} {g.good}" for g in goods)


def fmt_credits(value: float, *, sign: bool = False) -> str:
    """Compact credits: "950", "41k", "1.2M" (with "+" when ``sign``)."""
    v = abs(value)
    if v >= 1_000_000:
        text = f"{v / 1_000_000:.1f}M".replace(".0M", "M")
    elif v >= 10_000:
        text = f"{v / 1000:.0f}k"
    elif v >= 1000:
        text = f"{v / 1000:.1f}k".replace(".0k", "k")
    else:
        text = f"{v:.0f}"
    if value < 0 and text != "0":
        return "-" + text
    return ("+" if sign else "") + text


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_MONEY = {"expected_profit", "expected_cost", "expected_revenue", "sell_price", "unit_price"}
_TIMES = {"makespan_s", "bound_s", "start_s", "end_s", "lag_s", "load_s", "unload_s"}


def fmt_field(name: str, old: Scalar, new: Scalar) -> str:
    """ "old -> new (delta)" in the unit the field is counted in."""
    if old is None or new is None:
        return f"{plain(old)} -> {plain(new)}"
    if name in _TIMES and isinstance(old, int) and isinstance(new, int):
        return f"{fmt_duration(old)} -> {fmt_duration(new)} ({'+' if new >= old else ''}{fmt_duration(new - old)})"
    if name == "profit_per_hour" and isinstance(old, float | int) and isinstance(new, float | int):
        return (
            f"{fmt_credits(old)} -> {fmt_credits(new)} cr/h ({fmt_credits(new - old, sign=True)})"
        )
    if name == "gap" and isinstance(old, float | int) and isinstance(new, float | int):
        return f"{old:.1%} -> {new:.1%}"
    if isinstance(old, int) and isinstance(new, int) and not isinstance(old, bool):
        unit = " cr" if name in _MONEY else ""
        return f"{old:,} -> {new:,}{unit} ({new - old:+,})"
    return f"{plain(old)} -> {plain(new)}"


def plain(v: Scalar) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, str) and v.startswith("sha256:") and len(v) > 19:
        return v[:19]  # "sha256:" + 12 hex digits is enough to tell two inputs apart
    return str(v) if v != "" else '""'
