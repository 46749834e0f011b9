"""A closed-loop HTTP load generator for signed Slack requests: N clients on loopback, bounded in time and count."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def command_request(
    user_id: str, command: str, text: str, secret: str, team: str = "T0DISTRICT", response_url: str = "https://hooks.slack.com/commands/T0DISTRICT/1/bench"
) -> tuple[bytes, dict[str, str]]:
    """One slash command as Slack sends it (form-encoded, signed now; valid for five minutes)."""
    body = urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": team,
            "team_domain": "district",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0AFFINITY",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.bench",
        }
    ).encode()
    return body, signed_headers(body, secret)


@dataclass(frozen=True)
class LoadResult:
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Every request answered, the warm-up's included (for CPU time per request).
    answered: int = 0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:34} c={self.concurrency:<3} {self.per_second:8.1f} req/s   p50 {self.p50_ms:7.2f} ms   "
            f"p99 {self.p99_ms:7.2f} ms   ({self.requests} requests in {self.seconds:.1f} s, {self.errors} errors)"
        )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


async def run_load(
    url: str,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    duration: float,
    warmup: float = 2.0,
    max_requests: int = 200_000,
    check=None,
) -> LoadResult:
    """`concurrency` clients each send the next request as soon as the last is answered.

    Latencies are kept only after `warmup` seconds, for `duration` seconds, and never more than
    `max_requests` requests in all.
    """
    cycle = itertools.cycle(requests)
    latencies: list[float] = []
    errors = 0
    sent = 0
    answered = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        measure_from = start + warmup
        stop = measure_from + duration

        async def client() -> None:
            nonlocal errors, sent, answered
            while sent < max_requests:
                now = time.perf_counter()
                if now >= stop:
                    return
                body, headers = next(cycle)
                sent += 1
                began = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        payload = await response.read()
                        ok = response.status == 200 and (check is None or check(payload))
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    ok = False
                ended = time.perf_counter()
                answered += ok
                if began >= measure_from and ended <= stop:
                    if ok:
                        latencies.append((ended - began) * 1000)
                    else:
                        errors += 1

        await asyncio.gather(*(client() for _ in range(concurrency)))
    seconds = min(duration, max(0.0, time.perf_counter() - measure_from))
    return LoadResult(
        concurrency=concurrency,
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99),
        answered=answered,
    )
