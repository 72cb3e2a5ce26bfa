"""`python -m bench [name ...]`: run the benchmarks (all when none is named)."""

from __future__ import annotations

import sys

from bench import booking, drain, matching, memory, updates

BENCHMARKS = {
    "updates": updates.main,
    "matching": matching.main,
    "drain": drain.main,
    "booking": booking.main,
    "memory": memory.main,
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(BENCHMARKS)}")
        return 2
    for name in names or list(BENCHMARKS):
        print(f"\n## {name}")
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
