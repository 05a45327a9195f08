"""``python -m journeykit.demo``: the demo, as ``journeykit demo``."""

import sys

from journeykit.demo import main

sys.exit(main())
