"""``python -m sakera_toolkit`` runs the ``sakera`` command."""

import sys

from .cli import main

sys.exit(main())
