"""``python -m sandbox``: run the demo back-office system on 127.0.0.1."""

from __future__ import annotations

import sys

from sandbox.server import main

if __name__ == "__main__":
    sys.exit(main())
