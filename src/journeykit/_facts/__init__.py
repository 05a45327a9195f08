"""Customer facts by job: keys, the record, windows, the spec, the fold (see journeykit.facts)."""
