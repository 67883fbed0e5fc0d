"""Builds the packing: walks the items in rank order and keeps what fits."""
from .items import Item
from .rank import rank


# EVOLVE-BLOCK-START
def solve(items: list[Item], capacity: int) -> list[str]:
    chosen = []
    load = 0
    for item in sorted(items, key=rank, reverse=True):
        if load + item.weight > capacity:
            break
        chosen.append(item.name)
        load += item.weight
    return chosen
# EVOLVE-BLOCK-END
