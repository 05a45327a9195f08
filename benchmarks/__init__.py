"""journeykit's benchmarks: ratios against baselines measured in the same process."""
