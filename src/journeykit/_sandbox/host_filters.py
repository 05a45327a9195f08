"""Filters a host adds to its templates: checked when registered, bounded when they run.

A host filter is code, not data, so it is never stored with the templates: the host
passes the same functions each time it builds or loads its registry
(``Templates(..., filters={...})``, ``Templates.from_json(text, filters={...})``).

Checked at registration (:func:`check_host_filters`): the name is a plain identifier that
no built-in filter has (nor one journeykit leaves out on purpose, such as ``safe``), and
the function is a plain Python function (``def`` or ``lambda``), not a coroutine or a
generator, not marked with jinja2's ``pass_context`` (which would hand it the
environment), and callable with one value. That it is *pure* (no clock, no I/O, the same
output for the same input) is the host's promise; the docs say so.

Bounded at render time (:func:`host_filter`): each call is charged for its arguments,
undefined inputs pass through untouched, any exception becomes a
:class:`~journeykit.errors.TemplateError` naming the filter, and the result must be plain
data (text, numbers, dates, none, lists and mappings of them) within the render's
limits. A result of ``markupsafe.Markup`` is printed as HTML in the html part: the
filter vouches for it.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import date, time
from decimal import Decimal
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context, Undefined

from journeykit._errors import Problem, TemplateError, TemplateSecurityError
from journeykit._sandbox.budget import MAX_VALUE_DEPTH, current_state, work
from journeykit._sandbox.rendering import clean_message
from journeykit._sandbox.values import checked, describe

__all__ = ["check_host_filters", "host_filter"]

Filter = Callable[..., Any]

#: The longest name a host filter may have.
MAX_FILTER_NAME = 64


def check_host_filters(
    filters: Any, taken: Mapping[str, str | None]
) -> tuple[dict[str, Filter], list[Problem]]:
    """The host's filters checked for registration, and every problem with them.

    ``taken`` maps names that are already used to why (``None``: a built-in filter).
    """
    problems: list[Problem] = []
    if not isinstance(filters, Mapping):
        return {}, [
            Problem("filters", f"must be a mapping of names to functions (got {describe(filters)})")
        ]
    checked_filters: dict[str, Filter] = {}
    for name, func in filters.items():
        path = f"filters.{name}" if isinstance(name, str) else "filters"
        problem = _name_problem(name, taken) or _function_problem(func)
        if problem is not None:
            problems.append(Problem(path, problem))
        else:
            checked_filters[name] = func
    return checked_filters, problems


def _name_problem(name: Any, taken: Mapping[str, str | None]) -> str | None:
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        return "a filter name must be a name like sku_url (letters, digits and '_')"
    if len(name) > MAX_FILTER_NAME:
        return f"a filter name must be at most {MAX_FILTER_NAME} characters"
    if name in taken:
        reason = taken[name]
        if reason is None:
            return f"'{name}' is a built-in filter; choose another name"
        return f"'{name}' is left out of templates on purpose ({reason}); choose another name"
    return None


def _function_problem(func: Any) -> str | None:
    if not isinstance(func, types.FunctionType):
        return (
            f"must be a plain function (def or lambda), got {describe(func)}; a filter"
            " is a pure function of its arguments"
        )
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        return "must not be async: templates render synchronously"
    if inspect.isgeneratorfunction(func):
        return "must return a value, not generate values"
    if getattr(func, "jinja_pass_arg", None) is not None:
        return "must not take jinja2's context or environment (pass_context and friends)"
    try:
        inspect.signature(func).bind(None)
    except TypeError:
        return "must take the value to filter as its one required argument"
    except ValueError:
        return "must have a signature journeykit can read"
    return None


def _check_result(value: Any, name: str, depth: int = 0) -> None:
    """Refuse anything but plain data anywhere inside a host filter's result."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal, date, time)):
        return
    if depth >= MAX_VALUE_DEPTH:
        raise TemplateError(f"|{name} returned data nested more than {MAX_VALUE_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_result(key, name, depth + 1)
            _check_result(item, name, depth + 1)
        return
    if isinstance(value, (Sequence, Set)):
        for item in value:
            _check_result(item, name, depth + 1)
        return
    raise TemplateSecurityError(
        f"|{name} returned {describe(value)}; host filters must return plain data"
        " (text, numbers, dates, lists and mappings of them)"
    )


def host_filter(name: str, func: Filter) -> Filter:
    """``func`` as a bounded template filter called ``name``."""

    @pass_context
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        state = current_state()
        units = 1 + len(args) + len(kwargs) + work(value)
        for argument in (*args, *kwargs.values()):
            units += work(argument)
        state.charge(units)
        for argument in (value, *args, *kwargs.values()):
            if isinstance(argument, Undefined):
                return argument
        try:
            result = func(value, *args, **kwargs)
        except TemplateError:
            raise
        except RecursionError:
            raise TemplateError(f"|{name} failed: it recursed too deeply") from None
        except Exception as exc:
            reason = clean_message(str(exc))
            raise TemplateError(
                f"|{name} failed: {type(exc).__name__}" + (f": {reason}" if reason else "")
            ) from None
        _check_result(result, name)
        return checked(state, result)

    wrapper.__name__ = wrapper.__qualname__ = f"host_filter_{name}"
    wrapper.__doc__ = func.__doc__
    return wrapper
