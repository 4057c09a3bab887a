"""Target-system credentials: a Prefect Secret block if configured, else the environment.

Never from YAML, never logged: ``Credentials.__repr__`` hides the password and the
error for missing credentials names only the variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ApplicationError

USER_ENV, PASSWORD_ENV = "YOMITORI_TARGET_USER", "YOMITORI_TARGET_PASSWORD"


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)


class MissingCredentials(ApplicationError):
    pass


def load_credentials(secret_block: str | None = None) -> Credentials:
    """``<secret_block>-user`` / ``<secret_block>-password`` Secret blocks, or the environment."""
    if secret_block:
        from prefect.blocks.system import Secret

        try:
            load: Any = Secret.load
            user = str(load(f"{secret_block}-user").get())
            password = str(load(f"{secret_block}-password").get())
        except Exception as exc:  # block missing or Prefect unreachable
            raise MissingCredentials(f"Prefect Secret blocks {secret_block}-user/-password unavailable: "
                                     f"{type(exc).__name__}") from None
        return Credentials(user, password)
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if not user or not password:
        raise MissingCredentials(f"set {USER_ENV} and {PASSWORD_ENV} (or a Prefect Secret block)")
    return Credentials(user, password)
