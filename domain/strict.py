"""The model config of the template's and the readings' pydantic models: no unknown keys, immutable.

Each module derives its own ``_Strict(BaseModel)`` with this config, so linters see a
pydantic model.
"""

from __future__ import annotations

from pydantic import ConfigDict

STRICT = ConfigDict(extra="forbid", frozen=True)
