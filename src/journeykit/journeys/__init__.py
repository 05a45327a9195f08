"""Journeys as data: what starts a journey, who may enter, and the steps it takes.

A :class:`Journey` is a definition like a stage machine: a pydantic model that
round-trips through JSON, has a JSON Schema, and is checked as a whole when it is built.
It says *what* should happen; the engine (:mod:`journeykit.engine`) decides *when* for
each customer and turns steps into actions.

>>> from journeykit.conditions import count
>>> welcome = Journey(
...     id="welcome",
...     trigger=on_event("subscribed"),
...     goal=on_event("order_placed"),
...     steps=[
...         send("welcome_1", channel="email"),
...         wait("3d"),
...         branch(
...             count("order_placed") == 0,
...             then=[send("welcome_offer", channel="email")],
...         ),
...     ],
... )
>>> [step.id for step in welcome.walk()]
['send_welcome_1', 'wait_3d', 'if_orders_0', 'send_welcome_offer']
>>> Journey.from_json(welcome.model_dump_json()) == welcome
True

Theory of operation
-------------------
- **Steps have stable ids.** A run in flight is remembered by its journey, version and
  the id of the step it is at; when a new version is published, runs continue where
  that step id still exists (:func:`journeykit.diff` says in advance which would not).
  Ids are unique across the whole journey, nested branches included. The builders
  (:func:`send`, :func:`wait`...) derive an id from the step (``send_welcome_1``); give
  one yourself (``id=...``) where two steps would share it.
- **Nested lists rejoin.** After the steps of a ``Branch``'s chosen side, a ``Split``'s
  chosen branch or a ``WaitFor``'s ``on_timeout``, the run continues with the step after
  the ``Branch``/``Split``/``WaitFor``. ``Exit`` ends the run wherever it stands.
- **The trigger starts, the conditions admit.** A trigger (an event, entering or leaving
  a stage, a yearly date) makes a customer a candidate; ``entry`` must hold at that
  instant, ``reentry`` must allow it, and within a ``group`` the highest ``priority``
  wins. ``exit`` ends a run unconverted as soon as it holds; ``goal`` (a condition, or
  an event) ends it converted.
"""

from journeykit.journeys._builders import (
    branch,
    exit_journey,
    on_date,
    on_event,
    on_stage_entered,
    on_stage_left,
    send,
    split,
    update,
    wait,
    wait_for,
)
from journeykit.journeys._journey import Journey, Reentry, StepPlace
from journeykit.journeys._steps import (
    Branch,
    DateTrigger,
    EventTrigger,
    Exit,
    Goal,
    Send,
    Split,
    SplitBranch,
    StageTrigger,
    Step,
    Trigger,
    Update,
    Wait,
    WaitFor,
)

__all__ = [
    "Journey",
    "Trigger",
    "Goal",
    "EventTrigger",
    "StageTrigger",
    "DateTrigger",
    "Step",
    "Send",
    "Wait",
    "WaitFor",
    "Branch",
    "Split",
    "SplitBranch",
    "Update",
    "Exit",
    "Reentry",
    "StepPlace",
    "on_event",
    "on_stage_entered",
    "on_stage_left",
    "on_date",
    "send",
    "wait",
    "wait_for",
    "branch",
    "split",
    "update",
    "exit_journey",
]
