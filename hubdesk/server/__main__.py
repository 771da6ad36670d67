"""``python -m hubdesk.server``: the same as ``hubdesk-server``."""

import sys

from hubdesk.server.cli import main

sys.exit(main())
