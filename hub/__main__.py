"""``python -m hub`` runs the same command as its console script."""

import sys

from hub.cli import main

sys.exit(main())
