"""journeykit's pytest plugin: fixtures for unit-testing journeys with no host.

Installed with journeykit (an entry point in the ``pytest11`` group), so any project with
journeykit and pytest has these fixtures:

- ``journeykit_engine``: the ready-made programme, :func:`journeykit.presets.engine`;
  override the fixture in your ``conftest.py`` to test your own definitions;
- ``journeykit_customer``: a customer opted in to e-mail, in Stockholm, created at the
  simulation's start (override it too);
- ``sim``: a :class:`~journeykit.testing.Simulator` of that customer in that engine.

When a test that used ``sim`` fails, the report shows the simulation's timeline in the
customer's zone, under "journeykit timeline".

.. code-block:: python

    def test_cart_abandoner_who_buys_gets_no_reminder(sim):
        sim.event("added_to_cart", product_id="mug")
        sim.event("order_placed", value="12.00", currency="EUR")
        sim.advance("1d")
        assert_not_sent(sim, template="cart_abandonment")
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported in the fixtures: pytest loads this plugin in every project
    from journeykit.engine import Engine
    from journeykit.models import Customer
    from journeykit.testing import Simulator

__all__ = ["SIMULATION_START", "journeykit_customer", "journeykit_engine", "sim"]

#: When the ``sim`` fixture's simulation starts: a Monday morning in Stockholm.
SIMULATION_START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

_SIMULATORS = pytest.StashKey[list["Simulator"]]()


@pytest.fixture(scope="session")
def journeykit_engine() -> Engine:
    """The ready-made programme (override this fixture to test your own definitions)."""
    from journeykit import presets

    return presets.engine()


@pytest.fixture
def journeykit_customer() -> Customer:
    """A customer opted in to e-mail, in Stockholm, created when the simulation starts."""
    from journeykit.models import Customer

    return Customer(
        id="customer-1",
        email="customer-1@example.com",
        timezone="Europe/Stockholm",
        locale="en-GB",
        created_at=SIMULATION_START,
        consent={"email": "opted_in"},
        attributes={"first_name": "Ada"},
    )


@pytest.fixture
def sim(
    request: pytest.FixtureRequest, journeykit_engine: Engine, journeykit_customer: Customer
) -> Simulator:
    """A simulator of ``journeykit_customer`` in ``journeykit_engine``, on its own clock."""
    from journeykit.testing import Simulator

    simulator = Simulator(journeykit_engine, journeykit_customer)
    request.node.stash.setdefault(_SIMULATORS, []).append(simulator)
    return simulator


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.failed and call.when == "call":
        for simulator in item.stash.get(_SIMULATORS, []):
            report.sections.append(("journeykit timeline", simulator.timeline()))
    return report
