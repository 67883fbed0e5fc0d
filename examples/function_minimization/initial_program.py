"""Find the global minimum of a 2-D function with many local minima, within a budget of calls."""

import random


# EVOLVE-BLOCK-START
def search(f, bounds, rng, budget):
    """Return the (x, y) inside bounds = (low, high) where f(x, y) is lowest.

    f may be called at most `budget` times; rng is a random.Random to draw from."""
    # Pure random sampling: it finds the right basin only by luck, and never its bottom.
    best = None
    for _ in range(200):
        x, y = rng.uniform(*bounds), rng.uniform(*bounds)
        value = f(x, y)
        if best is None or value < best[0]:
            best = (value, x, y)
    return best[1], best[2]
# EVOLVE-BLOCK-END


if __name__ == "__main__":
    print(search(lambda x, y: (x - 1) ** 2 + y * y, (-5.0, 5.0), random.Random(0), 1000))
