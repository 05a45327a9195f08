"""What would publishing new definitions do to runs in flight? Say it before publishing.

Runs remember their journey, version and step id (:mod:`journeykit.journeys`). When new
definitions are published, a run goes on in the newest version where its step id still
exists, and ends with ``definition_removed`` where it does not. :func:`diff` lists, for
each journey, what a change would orphan or alter, so nobody learns it from customers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from journeykit._base import FrozenModel
from journeykit.journeys import Journey

__all__ = ["Change", "diff"]

ChangeKind = Literal[
    "journey_added",
    "journey_removed",
    "version_not_bumped",
    "step_removed",
    "step_changed",
    "step_added",
    "settings_changed",
]


class Change(FrozenModel):
    """One difference between two sets of journeys that matters to runs in flight.

    ``orphans`` is true when runs at this place would end with ``definition_removed``;
    ``runs`` counts the affected runs among the states given to :func:`diff`.
    """

    journey: str
    kind: ChangeKind
    step: str | None = None
    orphans: bool = False
    runs: int | None = None
    message: str

    def __str__(self) -> str:
        where = self.journey if self.step is None else f"{self.journey}.{self.step}"
        count = "" if self.runs is None else f" [{self.runs} run{'s' * (self.runs != 1)}]"
        return f"{where}: {self.message}{count}"


def _latest(journeys: Iterable[Journey]) -> dict[str, Journey]:
    found: dict[str, Journey] = {}
    for journey in journeys:
        old = found.get(journey.id)
        if old is None or journey.version > old.version:
            found[journey.id] = journey
    return found


_SETTINGS = ("trigger", "entry", "exit", "goal", "reentry", "holdout", "priority", "group")


def diff(
    old: Sequence[Journey],
    new: Sequence[Journey],
    *,
    runs: Iterable[tuple[str, str]] | None = None,
) -> list[Change]:
    """The changes from journeys ``old`` to ``new`` that matter to runs in flight.

    ``runs`` (optional) are ``(journey id, step id)`` pairs of runs in flight, e.g.
    ``((r.journey, r.step) for s in states for r in s.runs)``; each change then counts
    the runs it touches.

    >>> from journeykit.journeys import on_event, send, wait
    >>> v1 = Journey(id="cart", trigger=on_event("added_to_cart"),
    ...              steps=[wait("1h"), send("reminder")])
    >>> v2 = v1.model_copy(update={"version": 2, "steps": [wait("2h", id="wait_2h"),
    ...                                                   send("reminder")]})
    >>> for change in diff([v1], [v2], runs=[("cart", "wait_1h")]):
    ...     print(change)
    cart.wait_1h: step removed: runs waiting here end with definition_removed [1 run]
    cart.wait_2h: step added: new runs take it; runs in flight past it never will [0 runs]
    """
    at: dict[tuple[str, str], int] = {}
    for journey_id, step_id in runs or ():
        at[(journey_id, step_id)] = at.get((journey_id, step_id), 0) + 1
    counting = runs is not None

    def count(journey_id: str, step_id: str | None) -> int | None:
        if not counting:
            return None
        if step_id is None:
            return sum(n for (j, _), n in at.items() if j == journey_id)
        return at.get((journey_id, step_id), 0)

    before, after = _latest(old), _latest(new)
    changes: list[Change] = []
    for journey_id in sorted(before.keys() | after.keys()):
        was, now = before.get(journey_id), after.get(journey_id)
        if now is None:
            changes.append(
                Change(
                    journey=journey_id,
                    kind="journey_removed",
                    orphans=True,
                    runs=count(journey_id, None),
                    message="journey removed: every run in flight ends with definition_removed",
                )
            )
            continue
        if was is None:
            changes.append(
                Change(journey=journey_id, kind="journey_added", message="journey added")
            )
            continue
        changes.extend(_journey_changes(was, now, count))
    return changes


def _journey_changes(
    was: Journey, now: Journey, counter: Callable[[str, str | None], int | None]
) -> Iterable[Change]:
    if was.version == now.version and was != now:
        yield Change(
            journey=now.id,
            kind="version_not_bumped",
            runs=counter(now.id, None),
            message=f"changed without a new version (still {now.version}): bump it, so "
            "reports and runs can tell the two apart",
        )
    changed = [name for name in _SETTINGS if getattr(was, name) != getattr(now, name)]
    if changed:
        yield Change(
            journey=now.id,
            kind="settings_changed",
            message="changed " + ", ".join(changed) + ": applies to new entries and, for "
            "exit and goal, to runs in flight",
        )
    old_places, new_places = was.places(), now.places()
    for step_id, place in old_places.items():
        replacement = new_places.get(step_id)
        if replacement is None:
            yield Change(
                journey=now.id,
                kind="step_removed",
                step=step_id,
                orphans=True,
                runs=counter(now.id, step_id),
                message="step removed: runs waiting here end with definition_removed",
            )
        elif replacement.step != place.step or replacement.next_id != place.next_id:
            what = "changed" if replacement.step != place.step else "now followed by another step"
            yield Change(
                journey=now.id,
                kind="step_changed",
                step=step_id,
                runs=counter(now.id, step_id),
                message=f"step {what}: runs waiting here go on with the new definition",
            )
    for step_id in sorted(new_places.keys() - old_places.keys()):
        yield Change(
            journey=now.id,
            kind="step_added",
            step=step_id,
            runs=counter(now.id, step_id),
            message="step added: new runs take it; runs in flight past it never will",
        )
