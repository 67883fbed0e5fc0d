"""A small knapsack package: `solve(items, capacity)` picks items to carry."""
from .plan import solve

__all__ = ["solve"]
