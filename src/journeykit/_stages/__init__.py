"""The stage machine's private jobs, one a module.

- :mod:`~journeykit._stages.graph`: what a machine's transitions expand to (the edges
  between stages), the one rule for ``source="*"``, and the bound on that size;
- :mod:`~journeykit._stages.checks`: the whole-machine checks behind
  :meth:`journeykit.stages.StageMachine.problems`;
- :mod:`~journeykit._stages.loops`: the search for loops that can run at one instant;
- :mod:`~journeykit._stages.diagrams`: Mermaid and Graphviz text, every piece of user
  text escaped.

Import rules: these modules import conditions, the reasoner and the error types, never
:mod:`journeykit.stages` (which imports them); they read stages and transitions through
the small protocols in :mod:`~journeykit._stages.graph`.
"""
