"""Deterministic drawing: ``n`` examples of a strategy from a seed.

``sample`` and ``fuzz`` need the same output for the same seed, run after
run.  `draw_examples` runs one ``@given`` test with ``@seed(S)``, no example
database and only the generate phase, collecting one example per test case:
Hypothesis' own generation, so the examples have its usual spread (small
ones first, then larger), and nothing outside Hypothesis' public API is
touched.  When a strategy's space is smaller than ``n``, Hypothesis stops
early; the next round continues from a derived seed until ``n`` are drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import InvalidArgument

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

#: Rounds after which a strategy that keeps yielding nothing new is given up on.
MAX_ROUNDS = 8


class CannotDraw(InvalidArgument):
    """The strategy refuses to draw (no body form works, an unknown envelope...).

    The message says why.  An ``InvalidArgument`` as Hypothesis raises it, so
    callers of `draw_examples` need not import Hypothesis to catch it.
    """


def draw_examples(strategy: SearchStrategy[Any], n: int, seed_value: int = 0) -> list[Any]:
    """``n`` examples of ``strategy``, the same ones for the same ``seed_value``.

    Raises:
        CannotDraw: the strategy refuses to draw (for example no body form
            works for the signature).
    """
    out: list[Any] = []
    for round_ in range(MAX_ROUNDS):
        if len(out) >= n:
            break
        before = len(out)
        _one_round(strategy, n - len(out), seed_value * 1_000_003 + round_, out)
        if len(out) == before:
            break
    if len(out) < n and out:
        # a tiny space: repeat what exists rather than return fewer lines than asked
        out.extend(out[i % len(out)] for i in range(n - len(out)))
    return out[:n]


def _one_round(strategy: SearchStrategy[Any], n: int, seed_value: int, out: list[Any]) -> None:
    collected: list[Any] = []

    @seed(seed_value)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        # A CLI user cannot tune health checks; generation is by construction,
        # so only "slow" can fire, on a huge signature, where slow is fine.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
        report_multiple_bugs=False,
    )
    @given(strategy)
    def collect(example: Any) -> None:
        if len(collected) < n:
            collected.append(example)

    try:
        collect()
    except InvalidArgument as exc:
        raise CannotDraw(str(exc)) from None
    out.extend(collected)


__all__ = ["CannotDraw", "draw_examples"]
