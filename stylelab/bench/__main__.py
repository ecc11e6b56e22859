"""``python -m stylelab.bench``: the same command as ``python -m stylelab bench``."""

import sys

from . import main

sys.exit(main())
