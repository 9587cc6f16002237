"""``python -m edge`` runs the same command as its console script."""

import sys

from edge.cli import main

sys.exit(main())
