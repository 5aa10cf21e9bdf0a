"""`python -m bench [--short]`: run every benchmark in bench/, one after another."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    status = 0
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        print(f"== {info.name} ==", flush=True)
        status |= importlib.import_module(f"bench.{info.name}").main(list(args))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
