"""Loading definitions and records, and reporting what is wrong with them, with paths.

Two jobs every model shares, in one place:

1. **Problems with paths.** pydantic reports a bad field as a ``ValidationError`` whose
   locations mix real paths with schema words (a tagged union's tag, a validator's name,
   a union member such as ``str``). :func:`problems_from` keeps the parts of each
   location that lead through the input, writes them as ``transitions[2].when.value``,
   drops pydantic's ``"Value error, "`` prefix, and unwraps a journeykit error raised
   inside a validator: its own problems are re-rooted below the field that raised it, so
   a nested definition's problems keep their full path.
2. **Text in.** :func:`load_json` and :func:`load_yaml` turn a CRM's stored text into
   plain data, refusing what would be silently misread or would cost without bound:
   duplicate keys (JSON keeps the last one without a word), nesting deeper than
   :data:`MAX_DEPTH`, YAML aliases (a few hundred bytes of them expand to gigabytes),
   YAML 1.1's ``yes``/``no``/``on``/``off`` booleans (``[SE, NO, DK]`` must not become
   ``['SE', False, 'DK']``) and YAML tags that build anything but JSON values.

Nothing here reads files: the host reads the file and passes the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from journeykit._errors import JourneykitError, Problem, quote

__all__ = ["MAX_DEPTH", "load_json", "load_yaml", "nesting_problem", "path_text", "problems_from"]

#: How deeply definition data may nest (objects and lists together). Far above any real
#: definition (a condition nested 64 levels deep is about 130 levels of JSON), and well
#: below what would strain Python's stack while validating.
MAX_DEPTH = 200

_VALUE_ERROR = re.compile(r"^(?:Value|Assertion) error, ")


# --------------------------------------------------------------------------- paths


def path_text(parts: tuple[str | int, ...]) -> str:
    """``("transitions", 2, "when")`` -> ``"transitions[2].when"``.

    >>> path_text(("templates", "cart", 0)), path_text(())
    ('templates.cart[0]', '')
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_ABSENT = object()


def _child(data: Any, part: str | int) -> Any:
    """The value at ``part`` inside ``data``, or _ABSENT if ``part`` does not lead there."""
    if isinstance(data, Mapping):
        if part in data:
            return data[part]
        # JSON objects and YAML mappings key by text; pydantic may report an int key
        if isinstance(part, int) and str(part) in data:
            return data[str(part)]
        return _ABSENT
    if isinstance(data, (list, tuple)):
        if isinstance(part, int) and 0 <= part < len(data):
            return data[part]
        return _ABSENT
    if isinstance(data, BaseModel) and isinstance(part, str) and part in type(data).model_fields:
        return getattr(data, part)
    return _ABSENT


def _real_path(data: Any, loc: tuple[str | int, ...], error_type: str) -> tuple[str | int, ...]:
    """The parts of ``loc`` that lead through ``data``; schema words are left out."""
    kept: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        child = _child(current, part)
        if child is not _ABSENT:
            kept.append(part)
            current = child
        elif index == len(loc) - 1 and error_type in ("missing", "extra_forbidden"):
            kept.append(part)  # a field that is not there (yet) is still its path
    return tuple(kept)


def _message(error: Any) -> str:
    text = _VALUE_ERROR.sub("", str(error["msg"]))
    kind = error["type"]
    if kind in ("missing", "extra_forbidden"):
        if kind == "extra_forbidden":
            return "unknown field; check its spelling against the documented fields"
        return "required field is missing"
    if "got " not in text and kind not in ("value_error", "assertion_error"):
        got = error.get("input")
        if not isinstance(got, (Mapping, list, tuple, BaseModel)):
            text += f" (got {quote(repr(got), 60)})"
    return text


def problems_from(err: ValidationError, data: Any = None, root: str = "") -> list[Problem]:
    """Every problem in ``err`` with its path below ``root``, as journeykit reports them.

    ``data`` is the input that was validated (a mapping from JSON, keyword arguments, or a
    model); it tells real path parts from pydantic's schema words.

    >>> from pydantic import BaseModel
    >>> class Stage(BaseModel):
    ...     name: str
    >>> class Machine(BaseModel):
    ...     stages: list[Stage]
    >>> data = {"stages": [{"name": "a"}, {"name": 3}]}
    >>> try:
    ...     Machine.model_validate(data)
    ... except ValidationError as err:
    ...     print(problems_from(err, data)[0])
    stages[1].name: Input should be a valid string (got 3)
    """
    problems: list[Problem] = []
    for error in err.errors(include_url=False):
        parts = _real_path(data, tuple(error["loc"]), error["type"])
        path = path_text(parts)
        if root:
            path = Problem(path, "").under(root).path
        cause = (error.get("ctx") or {}).get("error")
        nested = getattr(cause, "problems", None) if isinstance(cause, JourneykitError) else None
        if nested:
            problems.extend(p.under(path) for p in nested)
        else:
            problems.append(Problem(path, _message(error)))
    return list(dict.fromkeys(problems))


# --------------------------------------------------------------------------- nesting


def nesting_problem(data: Any, limit: int = MAX_DEPTH) -> Problem | None:
    """A problem if ``data`` (plain JSON-like values) nests deeper than ``limit``.

    Walks iteratively, so the check itself cannot exhaust the stack.

    >>> deep: list[object] = []
    >>> for _ in range(5):
    ...     deep = [deep]
    >>> print(nesting_problem({"a": deep}, limit=4))
    a[0][0][0]: nested more than 4 levels deep; definitions this deep are refused
    """
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(data, 0, ())]
    while stack:
        value, depth, parts = stack.pop()
        if isinstance(value, Mapping):
            children: Iterator[tuple[str | int, Any]] = iter(value.items())
        elif isinstance(value, (list, tuple)):
            children = enumerate(value)
        else:
            continue
        if depth >= limit:
            return Problem(
                path_text(parts),
                f"nested more than {limit} levels deep; definitions this deep are refused",
            )
        stack.extend((child, depth + 1, (*parts, key)) for key, child in children)
    return None


# --------------------------------------------------------------------------- JSON


class _Object(dict[str, Any]):
    """A JSON object that remembers which keys it saw twice."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    # rare: keep the repeats so the problem can name their path (data is not used then)
    marked = _Object(pairs)
    seen: set[str] = set()
    marked.duplicates = []
    for key, _ in pairs:
        if key in seen:
            marked.duplicates.append(key)
        seen.add(key)
    return marked


def _duplicate_problems(data: Any) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(
                    Problem(
                        path_text((*parts, key)),
                        "key given twice in one object; JSON would keep only the last, so"
                        " remove one",
                    )
                )
            stack.extend((child, (*parts, key)) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*parts, i)) for i, child in enumerate(value))
    problems.sort(key=lambda p: p.path)
    return problems


def load_json(text: str | bytes | bytearray) -> tuple[Any, list[Problem]]:
    """Parse definition JSON into plain data, and the problems that forbid using it.

    Problems: text that is not JSON (with line and column), a key given twice in one
    object, nesting deeper than :data:`MAX_DEPTH`. Data is returned only when there are
    none (else ``None``).

    >>> load_json('{"op": ">=", "op": "<"}')[1][0].path
    'op'
    """
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except RecursionError:
        return None, [Problem("", f"nested more than {MAX_DEPTH} levels deep")]
    except json.JSONDecodeError as err:
        return None, [
            Problem("", f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}")
        ]
    except (UnicodeDecodeError, ValueError) as err:
        return None, [Problem("", f"not valid JSON text: {quote(str(err), 100)}")]
    problem = nesting_problem(data)
    if problem is not None:
        return None, [problem]
    problems = _duplicate_problems(data)
    if problems:
        return None, problems
    return data, []


# --------------------------------------------------------------------------- YAML

_YAML_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_YAML_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_YAML_FLOAT = re.compile(
    r"^[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$"
    r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
)
_YAML_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_ALLOWED_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_MAX_INT_DIGITS = 100


def _yaml_loader() -> Any:
    """A PyYAML loader for the YAML 1.2 JSON schema: JSON values only, no aliases."""
    import yaml  # type: ignore[import-untyped,unused-ignore]  # optional extra

    class Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined,unused-ignore]  # untyped base
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise _YamlRefusalError(
                    "aliases (*name) are not allowed in definitions; write the value out",
                    self.peek_event(),  # type: ignore[no-untyped-call]  # PyYAML is untyped
                )
            return super().compose_node(parent, index)

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node.tag not in _ALLOWED_TAGS:
                raise _YamlRefusalError(
                    f"the tag {quote(node.tag, 60)} is not allowed; definitions hold JSON"
                    " values (text, numbers, true/false, null, lists, mappings)",
                    node,
                )
            if node.tag.endswith(":int") and len(node.value) > _MAX_INT_DIGITS:
                raise _YamlRefusalError(f"an integer of more than {_MAX_INT_DIGITS} digits", node)
            try:
                return super().construct_object(node, deep)
            except _YamlRefusalError:
                raise
            except (ValueError, KeyError, TypeError, OverflowError) as err:
                shown = node.value if isinstance(node.value, str) else node.tag
                raise _YamlRefusalError(
                    f"{quote(shown, 60)!r} is not a valid {node.tag.rsplit(':', 1)[-1]}"
                    f" ({type(err).__name__})",
                    node,
                ) from None

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise _YamlRefusalError(
                        f"mapping keys must be text (got {quote(repr(key), 40)})", key_node
                    )
                if key in seen:
                    raise _YamlRefusalError(
                        f"key {quote(key, 60)!r} given twice in one mapping; remove one", key_node
                    )
                seen.add(key)
            return super().construct_mapping(node, deep)

    # YAML 1.2's JSON-like core: true/false only, plain decimal numbers, no dates, no
    # sexagesimal or octal integers. Everything else is text.
    Loader.yaml_implicit_resolvers = {}
    resolvers = (
        ("bool", _YAML_BOOL, "tTfF"),
        ("int", _YAML_INT, "-+0123456789"),
        ("float", _YAML_FLOAT, "-+0123456789."),
        ("null", _YAML_NULL, ["~", "n", "N", ""]),
    )
    for name, pattern, first in resolvers:
        Loader.add_implicit_resolver(f"tag:yaml.org,2002:{name}", pattern, list(first))
    return Loader


class _YamlRefusalError(Exception):
    def __init__(self, message: str, where: Any) -> None:
        super().__init__(message)
        self.message = message
        mark = getattr(where, "start_mark", None)
        self.line = None if mark is None else mark.line + 1
        self.column = None if mark is None else mark.column + 1


_LOADER: list[Any] = []


def load_yaml(text: str) -> tuple[Any, list[Problem]]:
    """Parse definition YAML (the JSON-compatible part of YAML 1.2) into plain data.

    Needs PyYAML (``pip install 'journeykit[yaml]'``); raises :class:`UsageError` without
    it. Problems as for :func:`load_json`, plus aliases, tags that are not JSON types,
    non-text keys and values a tag cannot read (``!!int abc``), each with its line.

    >>> load_yaml("countries: [SE, NO, DK]")[0]
    {'countries': ['SE', 'NO', 'DK']}
    >>> print(load_yaml("a: &x [1]\\nb: *x")[1][0])
    line 2 column 4: aliases (*name) are not allowed in definitions; write the value out
    """
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        from journeykit._errors import UsageError

        raise UsageError("loading YAML needs PyYAML: pip install 'journeykit[yaml]'") from None
    if not _LOADER:
        _LOADER.append(_yaml_loader())
    try:
        data = yaml.load(text, Loader=_LOADER[0])
    except _YamlRefusalError as err:
        where = "" if err.line is None else f"line {err.line} column {err.column}"
        return None, [Problem(where, err.message)]
    except RecursionError:
        return None, [Problem("", f"nested more than {MAX_DEPTH} levels deep")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = "" if mark is None else f"line {mark.line + 1} column {mark.column + 1}"
        reason = getattr(err, "problem", None) or str(err)
        return None, [Problem(where, f"not valid YAML: {quote(str(reason), 200)}")]
    problem = nesting_problem(data)
    if problem is not None:
        return None, [problem]
    return data, []
