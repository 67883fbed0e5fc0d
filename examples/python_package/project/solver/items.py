"""The item type the evaluator hands to the solver (read-only: the evaluator relies on it)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    name: str
    weight: int
    value: int
