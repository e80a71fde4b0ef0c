"""How often Python's cyclic garbage collector runs in a cc-sandbox process.

The analysis builds about a million small objects (facts, graph edges, sets) that live until
the command ends and hold no reference cycles worth collecting. With the default thresholds
(700, 10, 10) the collector traverses all of them again at every full collection: 35-40% of
`cc-sandbox analyze redis-server`'s CPU (0.73 s -> 0.49 s, bench/commands.py). Young objects
are still collected, every 100,000 allocations instead of 700, so long commands (evaluate,
trace) that do make cycles keep bounded memory; only the full pass over the old objects
becomes rare.
"""

from __future__ import annotations

import gc

__all__ = ["tune_for_bulk_allocation"]

#: (generation 0 allocations, generation 0 runs per generation 1 run, generation 1 runs per full run)
THRESHOLDS = (100_000, 50, 1000)


def tune_for_bulk_allocation() -> None:
    """Set :data:`THRESHOLDS` for this process (called once, by each console script's entry)."""
    gc.set_threshold(*THRESHOLDS)
