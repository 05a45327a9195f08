"""The private home of :mod:`journeykit.time`, one job a module.

- :mod:`.zones`: time zones, the aware-datetime check, instants at datetime's edges, and
  the one statement of how far a zone's UTC offset may jump;
- :mod:`.duration_text`: the text grammar of durations (parsing, canonical units, the
  JSON Schema pattern, "did you mean" hints);
- :mod:`.durations`: the :class:`~.durations.Duration` value (arithmetic, bounds,
  ordering, conversion, pydantic fields, words);
- :mod:`.wall`: local wall time and instants (DST gaps and folds), :func:`~.wall.shift`;
- :mod:`.clock`: times of day, quiet hours and anniversaries;
- :mod:`.offsets`: per zone, immutable tables of UTC-offset changes, cached;
- :mod:`.lookback`: fast look-back cut-offs for windows and ``since`` conditions;
- :mod:`.crossing`: the inverse: the first instant a look-back passes an instant (when a
  condition starts to hold as time passes, when a frequency cap frees a slot).

Import rules: these modules import only the standard library, dateutil, pydantic and
:mod:`journeykit._errors`, and each other in the order listed (no module imports one
listed after it). :mod:`journeykit.time` re-exports the public names.
"""
