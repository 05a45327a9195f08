"""Fast paths give exactly what the general rules give.

Hot paths take shortcuts for the common case (a plain decimal string, a state the engine
just returned); each is checked here against the general rule it stands in for.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from journeykit.events import _parse_any_money, parse_money

_digits = st.text("0123456789", min_size=0, max_size=18)
money_like = st.builds(
    lambda sign, whole, point, frac, pad: f"{pad}{sign}{whole}{point}{frac}{pad}",
    st.sampled_from(["", "-", "+"]),
    _digits,
    st.sampled_from(["", ".", ","]),
    _digits,
    st.sampled_from(["", " ", "\n"]),
)


@given(money_like | st.text(max_size=12))
def test_a_plain_decimal_string_reads_as_the_general_rule_reads_it(text: str) -> None:
    fast, general = parse_money(text), _parse_any_money(text)
    assert fast == general
    assert str(fast) == str(general)  # the same digits, exponent and sign
