"""``python -m journeykit``: the ``journeykit`` command."""

import sys

from journeykit.cli import main

sys.exit(main())
