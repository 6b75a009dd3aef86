"""`one_shape`: the byte grid every big datetime column is read from.

A grid row per text, of the first text's strict form: a text that is not of
that form, or not of its length, must leave no grid at all (the column path
then reports the bad rows one by one, as the reference does).
"""

from __future__ import annotations

import pytest

from sig2jsonschema._fast.dt_shapes import DT_SHAPES, one_shape

SECOND = "2024-01-01T10:00:00"


@pytest.mark.parametrize("width", sorted(DT_SHAPES))
def test_texts_of_one_form_make_a_grid_of_their_digits(width: int) -> None:
    texts = [f"20{i:02d}-0{1 + i % 9}-1{i % 10}T10:20:3{i % 10}.123456"[:width] for i in range(40)]
    grid = one_shape(texts)
    assert grid is not None
    assert len(grid) == 40 * (width + 1)
    rows = [grid[k * (width + 1) : k * (width + 1) + width].decode() for k in range(40)]
    assert rows == texts


@pytest.mark.parametrize(
    "texts",
    [
        # A digit moved from one text to the next keeps the total and the repeated shape.
        [SECOND, SECOND + "2", SECOND[1:], SECOND],
        [SECOND[:-1], "0" + SECOND, SECOND],
        # The separator itself inside a text, at a place it would line up.
        ["2024-01-01", "2024-01-01|2024-01-01", "2024-01-01"],
        ["2024-01-01", "2024-01-0|", "2024-01-01"],
        # Not of the first text's form, or not a text.
        [SECOND, "2024-01-01T10:00:00.1"],
        [SECOND, "2024-01-01 10:00:00"],
        [SECOND, "2024-01-01T10:00:0٣"],
        [SECOND, None],
        [SECOND, 20240101],
        ["2024-1-01"],
        [7, SECOND],
    ],
)
def test_texts_not_all_of_the_first_ones_form_make_no_grid(texts: list[object]) -> None:
    assert one_shape(texts) is None
