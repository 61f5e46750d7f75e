"""Reading the figures of a rendered XLSX overview: openpyxl types a cell's value as any of its
cell types, and a euro amount must be a number."""

from __future__ import annotations


def euros(value: object) -> float:
    """The number in a cell's value; fails the test when the cell holds text, a date or nothing."""
    assert isinstance(value, int | float), value
    return value


def cents(value: object) -> int:
    """A euro amount from a cell (a number such as 1234.5) in integer cents."""
    return round(euros(value) * 100)
