"""Serving the review app on the city LAN: which hosts browsers trust, and what to tell people.

Session and login cookies are ``Secure`` by default (``review_cookie_secure``). A browser
stores a Secure cookie only from a *secure context*: an https page, or plain http on a
loopback host. Checked in Debian's Chromium 156: ``http://localhost``, ``http://127.0.0.1``
and ``http://127.0.0.2`` (all of 127.0.0.0/8) keep Secure cookies; ``http://`` with a
host *name* such as ``yomitori.city.lg.jp`` does not, even when the name resolves to a
loopback address (the decision is made on the name in the address bar). A LAN name or a
10.x address over plain http therefore loses the login cookie, and without this module
the login form would only say that it had expired.

:func:`plain_http_notice` is the Japanese explanation the login page shows instead;
:func:`bind_warning` is what ``yomitori review`` says when it listens beyond loopback
without https. The supported set-ups are in docs/operations.md ("Serving the review app
on the city LAN").
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from config.settings import Settings

DOC = 'docs/operations.md「Serving the review app on the city LAN」'
NOTICE_JA: tuple[str, ...] = (
    "この画面は暗号化されていない http で開かれているため、ログインできません。",
    "ログイン情報を守るため、ログインに使う Cookie は https の接続でだけ保存される設定になっています。"
    "http のままでは、ブラウザがこの Cookie を保存しないので、ログインボタンを押しても"
    "「フォームの有効期限が切れた」ことになってしまいます。",
    "システム管理者の方へ: review アプリを https で起動してください"
    "（市の証明書なら yomitori review --https --cert 証明書 --key 秘密鍵、"
    "なければ yomitori review --https --self-signed）。"
    "庁内 LAN に限って http のまま使う場合は YOMITORI_REVIEW_COOKIE_SECURE=false を設定します"
    "（パスワードが暗号化されずに流れます）。詳しくは " + DOC + " を参照してください。",
)


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 and ::1: hosts browsers treat as secure over http."""
    if not host:
        return False
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def plain_http_notice(request: Request, settings: Settings) -> tuple[str, ...] | None:
    """The explanation for the login page, when the browser will drop our Secure cookies."""
    if not settings.review_cookie_secure or request.url.scheme == "https":
        return None
    return None if is_loopback_host(request.url.hostname) else NOTICE_JA


def bind_warning(host: str, https: bool, cookie_secure: bool) -> tuple[str, str] | None:
    """(English log line, Japanese console line) for a start-up that staff could not use."""
    if https or is_loopback_host(host):
        return None
    if cookie_secure:
        return (f"review app listens on {host} over plain http while session cookies are Secure: "
                "browsers on other PCs will drop them and nobody can log in. Serve https "
                "(--https with --cert/--key, or --self-signed), or set YOMITORI_REVIEW_COOKIE_SECURE=false "
                f"to accept plain http on a trusted LAN (passwords then cross it unencrypted). See {DOC}.",
                f"注意: {host} で http のまま起動しました。Cookie が Secure のため、"
                "他の PC のブラウザからはログインできません。--https（市の証明書は --cert/--key、"
                "なければ --self-signed）で起動するか、庁内 LAN に限り "
                "YOMITORI_REVIEW_COOKIE_SECURE=false を設定してください。")
    return (f"review app listens on {host} over plain http with YOMITORI_REVIEW_COOKIE_SECURE=false: "
            f"passwords and session cookies cross the network unencrypted. Prefer --https. See {DOC}.",
            f"注意: {host} で http のまま起動しました（YOMITORI_REVIEW_COOKIE_SECURE=false）。"
            "パスワードが暗号化されずにネットワークを流れます。できるだけ --https で起動してください。")
