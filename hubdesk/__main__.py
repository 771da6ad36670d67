import sys

from hubdesk.cli import main

sys.exit(main())
