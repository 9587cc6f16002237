"""``python -m simulators`` runs the same command as its console script."""

import sys

from simulators.cli import main

sys.exit(main())
