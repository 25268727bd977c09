"""``python -m crawler.gh_actions SUBCOMMAND``: the scheduled job's helpers (see ``crawler.gh_actions``)."""

import sys

from crawler.gh_actions import main

sys.exit(main())
