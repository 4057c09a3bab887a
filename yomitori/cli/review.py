"""``yomitori review``: run the staff app.

Registered on the main command by ``yomitori.cli.main._register_operations`` (from
``app.registered_commands``); staff accounts are ``yomitori users`` (``yomitori.cli.users``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(no_args_is_help=True)
log = logging.getLogger(__name__)


@app.command("review")
def review(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    https: Annotated[bool, typer.Option("--https", help="Serve TLS (see --cert, --self-signed).")] = False,
    cert: Annotated[Path | None, typer.Option(help="The city's certificate (PEM, with any "
                                                   "intermediate certificates).", exists=True,
                                              dir_okay=False)] = None,
    key: Annotated[Path | None, typer.Option(help="Its private key (PEM, not encrypted).", exists=True,
                                             dir_okay=False)] = None,
    self_signed: Annotated[bool, typer.Option("--self-signed", help="Create (or reuse) a self-signed "
                                              "certificate under <home>/tls.")] = False,
    name: Annotated[list[str] | None, typer.Option("--name", help="Host name or address staff type in the "
                                                   "browser (for --self-signed; repeat for more).")] = None,
) -> None:
    """Run the review app (confirm fields, upload, status) on HOST:PORT.

    On the city LAN serve https: --cert/--key with the city's certificate, or
    --self-signed --name yomitori.city.lg.jp (see docs/operations.md).
    """
    import uvicorn

    from config.settings import get_settings
    from review.app import create_app
    from review.lan import bind_warning

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)  # as the other commands do without --verbose
    settings = get_settings()
    tls = _tls_files(settings.home, host, https, cert, key, self_signed, name or [])
    warning = bind_warning(host, tls is not None, settings.review_cookie_secure)
    if warning is not None:
        log.warning(warning[0])
        typer.echo(warning[1], err=True)
    scheme = "https" if tls else "http"
    typer.echo(f"review app: {scheme}://{host}:{port}/", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                access_log=False,  # access logs would carry document ids only, but keep them quiet
                ssl_certfile=str(tls[0]) if tls else None, ssl_keyfile=str(tls[1]) if tls else None)


def _tls_files(home: Path, host: str, https: bool, cert: Path | None, key: Path | None, self_signed: bool,
               names: list[str]) -> tuple[Path, Path] | None:
    """(certificate, key) to serve, or None for plain http; exits 2 on contradictory options."""
    if (cert is None) != (key is None):
        _fail("--cert and --key go together (the certificate and its private key)")
    if self_signed and cert is not None:
        _fail("use either the city's certificate (--cert/--key) or --self-signed, not both")
    if names and not self_signed:
        _fail("--name is for --self-signed (a city certificate already names its hosts)")
    if cert is not None and key is not None:
        from review.tls import describe

        try:
            fingerprint, _ = describe(cert)
        except ValueError:
            _fail(f"{cert} is not a PEM certificate")
        typer.echo(f"TLS: {cert} (SHA-256 {fingerprint})", err=True)
        return cert, key
    if self_signed:
        return _self_signed(home, host, names)
    if https:
        _fail("--https needs a certificate: --cert FILE --key FILE (the city's), or --self-signed")
    return None


def _self_signed(home: Path, host: str, names: list[str]) -> tuple[Path, Path]:
    import socket

    from review.lan import is_loopback_host
    from review.tls import self_signed

    if not names:  # this PC's names, and the address it listens on if that is a concrete one
        names = [socket.getfqdn(), socket.gethostname()]
        if host not in ("0.0.0.0", "::", "") and not is_loopback_host(host):
            names.append(host)
    files = self_signed(home / "tls", list(dict.fromkeys(n for n in names if n)))
    verb = "created" if files.created else "reusing"
    log.info("self-signed certificate %s for %s", verb, ", ".join(files.names))
    typer.echo(f"TLS: {verb} self-signed certificate {files.cert} for {', '.join(files.names)}\n"
               f"     SHA-256 {files.sha256}\n"
               "     自己署名の証明書です。各 PC でこの証明書を「信頼されたルート証明機関」に登録すると、"
               "ブラウザの警告が出なくなります（docs/operations.md 参照）。", err=True)
    return files.cert, files.key


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)
