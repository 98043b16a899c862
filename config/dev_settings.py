"""Development and test settings: config.settings in development mode (``DOORSTEP_ENV=dev``).

The test suite (pyproject.toml, [tool.pytest.ini_options]) and the type check use this module, so they need
no environment; ``scripts/demo`` and ``scripts/test`` export ``DOORSTEP_ENV=dev`` for everything they run.
Never used in production: there ``config.settings`` insists on its own secret key and host names.
"""

import os

os.environ.setdefault("DOORSTEP_ENV", "dev")

from config.settings import *  # noqa: F403
