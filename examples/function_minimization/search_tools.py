"""Search tools a candidate may import: `from search_tools import pattern_search`.

This module sits beside the evaluator in the problem directory, not beside the candidate (which the
sandbox places in /candidate). The evaluator puts its own directory first on sys.path before it
imports the candidate, so the import works inside the sandbox; see README.md.
"""


def clip(value, bounds):
    """value moved into bounds = (low, high)."""
    return min(max(value, bounds[0]), bounds[1])


def pattern_search(f, x, y, bounds, step=0.5, shortest=1e-7):
    """Compass search from (x, y): move to the first of the four neighbours at `step` that is lower,
    else halve the step. Returns the local minimum it ends at as (x, y, f(x, y))."""
    best = f(x, y)
    while step > shortest:
        for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step)):
            nx, ny = clip(x + dx, bounds), clip(y + dy, bounds)
            value = f(nx, ny)
            if value < best:
                x, y, best = nx, ny, value
                break
        else:
            step /= 2
    return x, y, best
