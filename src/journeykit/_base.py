"""The bases every journeykit record and definition model shares.

Theory of operation
-------------------
Records (``Customer``, ``Event``, actions) and definitions (conditions, stage machines,
journeys, templates) are pydantic models with three promises:

1. **Immutable all the way down.** ``frozen=True`` is shallow: a dict field could still
   be changed in place, and with it what the fold sees or a model's hash. Mappings inside
   models are :class:`FrozenDict` and lists are tuples (:data:`FrozenJson` for free JSON
   values such as attributes), so nothing reachable from a model can change after it was
   validated. ``model_copy(update=...)`` validates like a new model.
2. **No unknown fields** (``extra="forbid"``): a typo such as ``"priorty"`` in a CRM's
   JSON is an error, not silently ignored.
3. **One error family.** pydantic's ``ValidationError`` never escapes: a record raises
   :class:`~journeykit.errors.InvalidInputError`, a definition
   :class:`~journeykit.errors.DefinitionError`, each listing every problem with its field
   path (:mod:`journeykit._loading`). A definition is also checked as a whole once built
   (:meth:`Definition.problems`), on every way in: the constructor, ``model_validate``,
   ``model_validate_json``, ``from_json``, ``from_yaml`` and ``model_copy``.

The constructor wrapper is marked as pydantic's own (``__pydantic_base_init__``), so a
model nested in another is validated by pydantic directly and its problems are reported
once, by the outermost model, with their full paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ValidationError,
)
from pydantic_core import CoreSchema, core_schema

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    UsageError,
)
from journeykit._loading import load_json, load_yaml, nesting_problem, path_text, problems_from

__all__ = [
    "assemble",
    "FrozenDict",
    "FrozenJson",
    "FrozenModel",
    "Definition",
    "Items",
    "freeze_json",
    "frozen_mapping",
]

K = TypeVar("K")
V = TypeVar("V")
M = TypeVar("M", bound="FrozenModel")

#: How deeply a free JSON value (an attribute, an event property) may nest.
MAX_VALUE_DEPTH = 32


class FrozenDict(dict[K, V]):
    """A dict that cannot be changed after it is made: the mappings inside models.

    It is a real ``dict`` (JSON encoders, ``isinstance`` checks and fast lookups work),
    hashable when its values are, and every method that would change it raises
    ``TypeError``.

    >>> d = FrozenDict({"tier": "gold"})
    >>> d["tier"], d == {"tier": "gold"}
    ('gold', True)
    >>> d["tier"] = "silver"
    Traceback (most recent call last):
      ...
    TypeError: this mapping belongs to a frozen journeykit model and cannot be changed; ...
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> FrozenDict[K, V]:
        made = super().__new__(cls)
        dict.__init__(made, *args, **kwargs)
        return made

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # filled by __new__; calling __init__ again must not change it

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "this mapping belongs to a frozen journeykit model and cannot be changed; "
            "build a new model instead (model_copy(update=...))"
        )

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]  # dict is unhashable; this one is not
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict[K, V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[K, V]:
        return self

    def __repr__(self) -> str:
        return dict.__repr__(self)


def freeze_json(value: Any, path: str = "", depth: int = 0) -> Any:
    """``value`` checked to be JSON data and made immutable: dicts become
    :class:`FrozenDict`, lists tuples. ``Decimal`` becomes its exact text (``"12.50"``).

    Raises :class:`~journeykit.errors.InvalidInputError` naming the path of the first
    value that is not JSON data (a set, a datetime, a float that is not finite, a key
    that is not text) or that nests deeper than :data:`MAX_VALUE_DEPTH`.

    >>> freeze_json({"tags": ["a", "b"], "price": Decimal("9.90")})
    {'tags': ('a', 'b'), 'price': '9.90'}
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInputError([Problem(path, f"must be a finite number (got {value})")])
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError([Problem(path, f"must be a finite number (got {value})")])
        return str(value)
    if depth >= MAX_VALUE_DEPTH:
        raise InvalidInputError([Problem(path, f"nested more than {MAX_VALUE_DEPTH} levels deep")])
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(
                    [Problem(path, f"keys must be text (got {type(key).__name__} {key!r:.40})")]
                )
            out[key] = freeze_json(item, path_text((path, key)) if path else key, depth + 1)
        return FrozenDict(out)
    if isinstance(value, (list, tuple)):
        return tuple(freeze_json(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    raise InvalidInputError(
        [
            Problem(
                path,
                "must be JSON data: text, a number, true/false, null, a list or a mapping "
                f"(got {type(value).__name__})",
            )
        ]
    )


def _thaw(value: Any) -> Any:
    """Plain dicts and lists again, for ``model_dump()`` in Python mode."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def _serialize_json_value(value: Any, info: core_schema.SerializationInfo) -> Any:
    # JSON output writes tuples as arrays and FrozenDicts as objects natively
    return value if info.mode_is_json() else _thaw(value)


def _freeze_object(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            f"must be a mapping of names to JSON values (got {type(value).__name__})"
        )
    return freeze_json(value)


class _FrozenJsonSchema:
    """Annotated marker: validate a mapping of free JSON data and freeze it."""

    def __get_pydantic_core_schema__(
        self, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_plain_validator_function(_freeze_object),
            python_schema=core_schema.no_info_plain_validator_function(_freeze_object),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize_json_value, info_arg=True
            ),
        )

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> dict[str, Any]:
        return {"type": "object", "description": "names mapped to any JSON values"}


FrozenJson = _FrozenJsonSchema()
"""``Annotated[Mapping[str, JsonValue], FrozenJson]``: a mapping of free JSON data (customer
attributes, event properties), checked and frozen on the way in."""


def frozen_mapping(value: Mapping[K, V]) -> FrozenDict[K, V]:
    """An ``AfterValidator`` for typed mapping fields: the validated dict, frozen."""
    return value if type(value) is FrozenDict else FrozenDict(value)


class _AsTuple:
    """Annotated marker: serialise the validated sequence as the tuple it is, natively.

    pydantic serialises a ``Sequence[V]`` field through a Python function item by item
    (it cannot know the sequence's type); the value is always a tuple here, so its items
    go through pydantic-core's own tuple serializer, with the same item schema and the
    same output (twice as fast for a stored state). Should pydantic build the schema
    differently, it is left as it is.
    """

    def __get_pydantic_core_schema__(
        self, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema: dict[str, Any] = handler(source_type)  # type: ignore[assignment]  # plain data
        try:
            items = schema["schema"]["serialization"]["schema"]
        except (KeyError, TypeError):
            return schema  # as pydantic built it
        schema["serialization"] = core_schema.tuple_schema([items], variadic_item_index=0)
        return schema


Items = Annotated[Sequence[V], AfterValidator(tuple), _AsTuple()]
"""``Items[Stage]``: any sequence (a list, as people write them) in, a tuple stored.

Collection fields of definitions use it, so ``StageMachine(stages=[...])`` type-checks
and the stored value is still immutable."""


class FrozenModel(BaseModel):
    """A frozen pydantic model that rejects unknown fields and raises journeykit errors.

    Equality compares fields only: private attributes hold caches (compiled
    conditions, say) that are rebuilt on load and must not make a model that
    round-tripped through JSON compare unequal to its original.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise type(self)._refusal(problems_from(err, data)) from None
        self._after_validation()

    # pydantic validates nested models without calling this wrapper (see the module notes)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]  # pydantic's marker

    @classmethod
    def _refusal(cls, problems: list[Problem]) -> JourneykitError:
        """The error for ``problems`` in this kind of model (records: bad input)."""
        return InvalidInputError(problems)

    def _after_validation(self) -> None:
        """Checks that need the whole model (definitions override this)."""

    @classmethod
    def model_validate(cls: type[M], obj: Any, **kwargs: Any) -> M:
        try:
            made = super().model_validate(obj, **kwargs)
        except ValidationError as err:
            raise cls._refusal(problems_from(err, obj)) from None
        made._after_validation()
        return made

    @classmethod
    def model_validate_json(cls: type[M], json_data: str | bytes | bytearray, **kwargs: Any) -> M:
        try:
            made = super().model_validate_json(json_data, **kwargs)
        except ValidationError as err:
            data, _ = load_json(json_data)
            raise cls._refusal(problems_from(err, data)) from None
        made._after_validation()
        return made

    @classmethod
    def model_validate_strings(cls: type[M], obj: Any, **kwargs: Any) -> M:
        try:
            made = super().model_validate_strings(obj, **kwargs)
        except ValidationError as err:
            raise cls._refusal(problems_from(err, obj)) from None
        made._after_validation()
        return made

    def model_copy(self: M, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> M:
        """A copy with ``update`` applied, validated like a new model (pydantic's own
        ``model_copy`` skips validation). ``deep`` changes nothing: models are immutable."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate(data | dict(update or {}))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).model_fields:
            raise UsageError(
                f"{type(self).__name__} is frozen: its {name!r} cannot be changed; build a new "
                f"one with model_copy(update={{{name!r}: ...}})"
            )
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in type(self).model_fields:
            raise UsageError(f"{type(self).__name__} is frozen: its {name!r} cannot be deleted")
        super().__delattr__(name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and _same_json(self.__dict__, other.__dict__)
        )

    def __hash__(self) -> int:
        return hash((type(self), _freeze(self.__dict__)))


_set_attribute = object.__setattr__


def assemble(cls: type[M], fields: dict[str, Any], given: AbstractSet[str] | None = None) -> M:
    """A ``cls`` from values journeykit itself validated and built in their stored form
    (tuples, :class:`FrozenDict`, aware datetimes), without validating them again.

    The engine builds a state or a decision from parts that each passed validation when
    they came in (a ``Customer``, an ``Event``) or that it computed from them; checking
    them again would cost more than the call's own work. ``fields`` must hold every
    field; ``given`` is which of them count as set (default: all). Never use it for data
    from outside: that is what validation is for.
    """
    assert not cls.__private_attributes__, f"{cls.__name__} has private attributes to set"
    made = object.__new__(cls)
    _set_attribute(made, "__dict__", fields)
    _set_attribute(made, "__pydantic_fields_set__", set(fields) if given is None else set(given))
    _set_attribute(made, "__pydantic_extra__", None)
    _set_attribute(made, "__pydantic_private__", None)
    return made


def _same_json(a: Any, b: Any) -> bool:
    """Whether two values Python calls equal are also the same JSON: ``true`` is not ``1``.

    (``True == 1`` in Python, so ``attr("vip") == True`` and ``attr("vip") == 1`` would
    otherwise be "the same condition".)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(_same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, BaseModel) and isinstance(b, BaseModel):
        return _same_json(a.__dict__, b.__dict__)
    return True


def _freeze(v: Any) -> Any:
    """A hashable stand-in for the values inside a model."""
    if isinstance(v, Mapping):
        return tuple(sorted(((k, _freeze(x)) for k, x in v.items()), key=lambda kv: str(kv[0])))
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return v


class Definition(FrozenModel):
    """A definition (condition, stage machine, journey, templates...): data a marketer or
    a CRM wrote, checked as a whole when built.

    :meth:`problems` lists what is wrong beyond each field's own shape, with paths; it
    never raises. Every way of building one (the constructor, ``model_validate``,
    ``model_validate_json``, :meth:`from_json`, :meth:`from_yaml`, ``model_copy``)
    raises one :class:`~journeykit.errors.DefinitionError` carrying every problem.
    """

    @classmethod
    def _refusal(cls, problems: list[Problem]) -> JourneykitError:
        return DefinitionError(problems)

    def problems(self, path: str = "") -> list[Problem]:
        """Every problem with this definition, each with its path below ``path``.

        Shape problems (a missing field, a bad value) are refused when the definition
        is built; these are the ones that need the whole definition (an unknown stage
        named in a transition, say). A composite definition includes its parts'.
        """
        return []

    def _after_validation(self) -> None:
        problems = self.problems()
        if problems:
            raise DefinitionError(problems)

    @classmethod
    def model_validate(cls: type[M], obj: Any, **kwargs: Any) -> M:
        problem = nesting_problem(obj)
        if problem is not None:
            raise DefinitionError([problem])
        return super().model_validate(obj, **kwargs)

    @classmethod
    def model_validate_json(cls: type[M], json_data: str | bytes | bytearray, **kwargs: Any) -> M:
        data, problems = load_json(json_data)
        if problems:
            raise DefinitionError(problems)
        return cls.model_validate(data, **kwargs)

    @classmethod
    def from_json(cls: type[M], text: str | bytes | bytearray) -> M:
        """Load from JSON text, as a CRM stored it (read the file yourself: journeykit does
        no I/O). Malformed JSON, duplicate keys and every problem of the definition
        raise one :class:`~journeykit.errors.DefinitionError` with paths."""
        return cls.model_validate_json(text)

    @classmethod
    def from_yaml(cls: type[M], text: str) -> M:
        """Load from YAML text; needs PyYAML (``pip install 'journeykit[yaml]'``).

        The JSON-compatible part of YAML 1.2 is read: ``NO`` stays the text ``"NO"``,
        aliases and non-JSON tags are refused, each problem with its line.
        """
        data, problems = load_yaml(text)
        if problems:
            raise DefinitionError(problems)
        return cls.model_validate(data)
