"""Every outgoing HTTP and WebSocket session the bot opens, made in one place.

A district's server reaches Slack and Microsoft through a filtering web proxy, often one that
inspects TLS with the district's own CA. Each session made here:

- **Proxy**: goes through `HTTPS_PROXY` / `HTTP_PROXY` (upper- or lower-case, credentials in the
  URL as `http://user:password@proxy:3128`), except for the hosts `NO_PROXY` names, decided per
  URL by the standard library's rules (`urllib.request.getproxies_environment` and
  `proxy_bypass_environment`), the same rules curl and requests follow.
- **TLS**: verifies every certificate, against `SSL_CERT_FILE` when it is set (a district CA
  bundle) and the system's CAs otherwise. Nothing is ever sent unverified; a certificate that
  does not verify gets one sentence (`explain`) naming certificate verification and the host.
- **Timeouts**: a total and a connect timeout on every call (`DEFAULT_TIMEOUT` unless a client
  asks for its own).

A new client gets all of this by asking `session()` for its aiohttp session; libraries that make
their own sessions (slack_sdk, botbuilder) are handed one, or `ssl_context()`, in their adapter.

`Reachability` keeps each platform's state (reachable or not, and why) for one log line per
change, `/readyz`'s body and the `platform_up` metric.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
import urllib.request
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger("affinity.network")

#: Every outgoing call ends within this unless its client asks for other limits.
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)

_contexts: dict[str | None, ssl.SSLContext] = {}


class NetworkSettingError(ValueError):
    """A network variable that cannot be used (an unreadable SSL_CERT_FILE, a proxy URL that is not http://)."""


def ssl_context() -> ssl.SSLContext:
    """A verifying TLS context: the CAs in `SSL_CERT_FILE` when set, the system's otherwise."""
    cafile = os.environ.get("SSL_CERT_FILE") or None
    found = _contexts.get(cafile)
    if found is None:
        context = ssl.create_default_context()
        if cafile:
            try:
                context.load_verify_locations(cafile=cafile)
            except (OSError, ssl.SSLError) as exc:
                raise NetworkSettingError(
                    f"SSL_CERT_FILE={cafile} cannot be read as a PEM file of CA certificates ({type(exc).__name__}): point it at the district's CA bundle or unset it."
                ) from None
        found = _contexts[cafile] = context
    return found


def proxy_for(url: str) -> str | None:
    """The proxy URL (with any credentials) a call to `url` goes through, or None to go direct."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    proxy = proxies.get(scheme) or (proxies.get("http") if scheme == "https" else None)
    if not proxy or not parts.hostname:
        return None
    # `no` is NO_PROXY / no_proxy, in the form the bypass check reads it.
    if urllib.request.proxy_bypass_environment(parts.hostname, proxies):
        return None
    return proxy


def check_settings() -> None:
    """Raise NetworkSettingError, with one sentence, for a network variable that cannot work."""
    ssl_context()
    for name, value in urllib.request.getproxies_environment().items():
        if name in ("http", "https") and value and urlsplit(value).scheme not in ("http", ""):
            raise NetworkSettingError(
                f"{name.upper()}_PROXY={_without_password(value)} must be an http:// proxy URL (the connection to Slack or Microsoft is still TLS inside it)."
            )


def session(timeout: aiohttp.ClientTimeout | None = None, **options) -> aiohttp.ClientSession:
    """An aiohttp session with the district's proxy, CA and a timeout on every call.

    aiohttp reads the proxy variables itself per request (`trust_env`), by the same standard
    library rules as `proxy_for`, including NO_PROXY and credentials in the proxy URL."""
    return aiohttp.ClientSession(
        timeout=timeout or DEFAULT_TIMEOUT,
        trust_env=True,
        connector=aiohttp.TCPConnector(ssl=ssl_context()),
        **options,
    )


def explain(exc: BaseException, url: str) -> str:
    """One sentence for a call to `url` that got no answer: certificate, proxy or connection."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, aiohttp.ClientConnectorCertificateError) or (
        isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)) and "CERTIFICATE_VERIFY_FAILED" in str(exc)
    ):
        return (
            f"Certificate verification failed for {host}: its certificate is not signed by a CA this server trusts; "
            "if the district's proxy inspects TLS, set SSL_CERT_FILE to the district's CA file. Nothing was sent."
        )
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return f"The proxy for {host} ({_without_password(proxy_for(url) or '')}) refused the connection or cannot be reached."
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        status = getattr(exc, "status", 0)
        if status == 407:
            return f"The proxy for {host} asks for credentials (407): put them in HTTPS_PROXY as http://user:password@proxy:port."
        return f"The proxy for {host} answered {status} instead of connecting."
    if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)) or type(exc).__name__ == "TimeoutError":
        return f"{host} did not answer in time."
    return f"{host} cannot be reached ({type(exc).__name__})."


def _without_password(proxy: str) -> str:
    parts = urlsplit(proxy)
    if parts.password is None:
        return proxy
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


@dataclass
class _State:
    up: bool = True
    reason: str = ""
    since: float = 0.0


class Reachability:
    """Whether each platform answered its last call: one log line when it becomes unreachable and
    one when it is back (not one per attempt), for `/readyz` and the `platform_up` metric."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._states: dict[str, _State] = {}
        self._watchers: list[Callable[[str, bool], None]] = []

    def watch(self, callback: Callable[[str, bool], None]) -> None:
        self._watchers.append(callback)

    def known(self, platform: str) -> None:
        """Name a platform before its first call, so `/readyz` lists it from the start."""
        if platform not in self._states:
            self._states[platform] = _State(since=self.monotonic())
            self._tell(platform, True)

    def down(self, platform: str, reason: str) -> None:
        state = self._states.setdefault(platform, _State(since=self.monotonic()))
        if state.up:
            state.up, state.reason, state.since = False, reason, self.monotonic()
            log.warning("%s cannot be reached: %s The bot keeps serving; what is queued for %s waits and is retried.", _label(platform), reason, _label(platform))
            self._tell(platform, False)
        else:
            state.reason = reason

    def up(self, platform: str) -> None:
        state = self._states.setdefault(platform, _State(since=self.monotonic()))
        if not state.up:
            log.warning("%s is reachable again after %d s; what waited is being delivered.", _label(platform), int(self.monotonic() - state.since))
            state.up, state.reason, state.since = True, "", self.monotonic()
            self._tell(platform, True)

    def is_up(self, platform: str) -> bool:
        return self._states.get(platform, _State()).up

    def body(self) -> dict[str, dict]:
        """Each platform's state as `/readyz` shows it."""
        now = self.monotonic()
        return {
            name: ({"reachable": True} if s.up else {"reachable": False, "reason": s.reason, "for_seconds": int(now - s.since)})
            for name, s in sorted(self._states.items())
        }

    def _tell(self, platform: str, up: bool) -> None:
        for callback in self._watchers:
            callback(platform, up)


def _label(platform: str) -> str:
    return {"slack": "Slack", "teams": "Microsoft Teams"}.get(platform, platform)


__all__ = ["DEFAULT_TIMEOUT", "NetworkSettingError", "Reachability", "check_settings", "explain", "proxy_for", "session", "ssl_context"]
