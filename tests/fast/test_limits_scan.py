"""The fast path's scan for overlong number literals (`_fast.limits.no_long_digit_run`).

Its sampled proofs may only ever answer "certainly none"; the answer must equal
the plain definition: a text no longer than the limit, or one without a run of
``ceil((max_number_digits - 2) / 3)`` digits (a longer literal holds one).
"""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sig2jsonschema._fast.limits import no_long_digit_run


def _no_run(text: bytes, max_number_digits: int) -> bool:
    if len(text) <= max_number_digits:
        return True
    run = -(-(max_number_digits + 1 - 3) // 3)
    return re.search(rb"[0-9]{%d}" % run, text) is None


#: Pieces of a text: digit runs of every length around the thresholds the samples
#: use (a 4,300-digit limit asks for a run of 1,433), and the bytes between numbers.
_PIECES = st.one_of(
    st.integers(1, 30).map(lambda n: b"7" * n),
    st.integers(1390, 1450).map(lambda n: b"1" * n),
    st.integers(260, 300).map(lambda n: b"2" * n),
    st.sampled_from([b",", b".", b"e-", b'"a"', b"[", b"]", b" "]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=400), st.sampled_from([4300, 800, 40]))
def test_the_answer_is_the_plain_definition(pieces: list[bytes], limit: int) -> None:
    text = b"".join(pieces)
    assert no_long_digit_run(text, limit) is _no_run(text, limit)
    assert no_long_digit_run(text.decode(), limit) is _no_run(text, limit)


def test_a_row_dense_in_digits_is_proven_by_the_finer_sample() -> None:
    # 2,000 doubles as JSON writes them: every 64th byte is a digit so often that
    # the coarse sample holds a run; the answer stays "none".
    draw = random.Random(0)
    row = b"[" + b",".join(repr(draw.uniform(-1e6, 1e6)).encode() for _ in range(2000)) + b"]"
    assert re.search(rb"[0-9]{22}", row[::64]) is not None  # the coarse sample fails
    assert no_long_digit_run(row, 4300)
    overlong = row[:-1] + b"," + b"9" * 4301 + b"]"
    assert not no_long_digit_run(overlong, 4300)


def test_a_run_just_long_enough_is_found_wherever_it_starts() -> None:
    # Each offset puts the run across the samples differently: the run one digit
    # shorter is the longest a sample may let through.
    for limit in (4300, 800):
        run = -(-(limit + 1 - 3) // 3)
        for offset in range(64):
            pad = b" " * offset
            assert not no_long_digit_run(pad + b"1" * run + b" " * limit, limit), offset
            assert no_long_digit_run(pad + b"1" * (run - 1) + b" " * limit, limit), offset
