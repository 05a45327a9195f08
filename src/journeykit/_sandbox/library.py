"""What a template registry holds besides its data: host filters, the environments made
for them, and the code compiled from its sources.

A registry's data (templates, layouts, settings) is immutable, so its compiled code can
be cached per registry, keyed by what it was compiled from (a template's name, variant
and part; a layout's name, variant and whether it serves the html part). The cache is
filled when the registry is checked, so rendering never compiles; a registry that was
pickled or copied starts empty and compiles on first use. Registries never share a
cache, so a copy with other sources or limits can never be served another's code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from journeykit._errors import DefinitionError
from journeykit._sandbox.checks import Code
from journeykit._sandbox.environment import SandboxEnvironment
from journeykit._sandbox.filters import DROPPED_FILTERS, FILTERS, TESTS
from journeykit._sandbox.host_filters import check_host_filters, host_filter
from journeykit._sandbox.locale_filters import LOCALE_FILTERS

__all__ = ["BUILT_IN_FILTERS", "Library"]

Filter = Callable[..., Any]

#: Every filter a template may use without the host adding any, by name.
BUILT_IN_FILTERS: Mapping[str, Filter] = {**FILTERS, **LOCALE_FILTERS}
_TAKEN: Mapping[str, str | None] = {
    **dict.fromkeys(BUILT_IN_FILTERS),
    **DROPPED_FILTERS,
}


def _environments(filters: Mapping[str, Filter]) -> tuple[SandboxEnvironment, SandboxEnvironment]:
    table = {**BUILT_IN_FILTERS, **{name: host_filter(name, f) for name, f in filters.items()}}
    text, html = (
        SandboxEnvironment(html=html, filters=table, tests=TESTS, dropped_filters=DROPPED_FILTERS)
        for html in (False, True)
    )
    return text, html


_SHARED = _environments({})


class Library:
    """A registry's host filters, environments and compiled code (a cache).

    Not part of a registry's value: it pickles and deep-copies as its filters alone.
    """

    __slots__ = ("code", "environments", "filters")

    def __init__(self, filters: Any = None) -> None:
        checked: dict[str, Filter] = {}
        if filters:
            checked, problems = check_host_filters(filters, _TAKEN)
            if problems:
                raise DefinitionError(problems)
        #: The host's filters, by name, as registered.
        self.filters: Mapping[str, Filter] = checked
        self.environments = _environments(checked) if checked else _SHARED
        self.code: dict[tuple[Any, ...], Code] = {}

    def environment(self, html: bool) -> SandboxEnvironment:
        """The environment for the html part (autoescape on) or the others."""
        return self.environments[1] if html else self.environments[0]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Library, (dict(self.filters),))

    def __deepcopy__(self, memo: dict[int, Any]) -> Library:
        return Library(dict(self.filters))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Library) and dict(self.filters) == dict(other.filters)

    __hash__ = None  # type: ignore[assignment]  # unhashable, like the dict it holds
