"""A demo back-office system (furusato-nozei management stand-in) for bots and tests.

Never used by production configuration: it exists so the RPA bots have a realistic,
misbehaving-on-demand target on localhost. ``python -m sandbox`` (or ``yomitori sandbox``)
runs it on 127.0.0.1.
"""

from sandbox.config import Chaos, SandboxConfig

__all__ = ["Chaos", "SandboxConfig"]
