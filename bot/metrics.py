"""What a process counts for its operators (Prometheus): requests, deliveries, jobs, the outbox.

Every label takes its value from a short fixed list — a platform name, a command's first word
from the command table, an outcome, a job's name, an outbox state — never from what a person
wrote or who they are: a label is kept and shown to whoever can read the monitoring system, and a
person's id or a group's name there would say who asked what. Values outside the lists are
counted as "other".

One `Metrics` per runtime, with its own registry, so two bots in one process (tests) never add
into each other's figures.
"""

from __future__ import annotations

from typing import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

PLATFORMS = ("slack", "teams", "console")
#: How a request ended: answered, refused (a person's mistake or a role check), answered from
#: memory, the database away ("try again in a moment"), or a failure of ours.
OUTCOMES = ("ok", "refused", "kept", "unavailable", "error")
#: What a gateway's send came back with (bot.types.DeliveryResult.status).
DELIVERY_RESULTS = ("sent", "retry_after", "unreachable", "failed")
#: Request latency buckets, seconds: the interesting part is 5 ms to 1 s.
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Job duration buckets, seconds: a minute's jobs take milliseconds; the heaviest, tens of seconds.
JOB_SECONDS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def bounded(value: str | None, allowed: Iterable[str]) -> str:
    """`value` if it is one of `allowed`, else "other": no free text ever becomes a label."""
    return value if value is not None and value in allowed else "other"


class _KeptAnswers(Collector):
    """Kept-answer hits, read from the listing cache when scraped (it counts them itself)."""

    def __init__(self, hits: Callable[[], int]) -> None:
        self._hits = hits

    def collect(self):
        family = CounterMetricFamily("affinity_kept_answers", "Requests answered from the listing kept in memory (bot/groups/cache.py).")
        family.add_metric([], float(self._hits()))
        yield family


class Metrics:
    """The instruments of one process. `text()` is the exposition for `GET /metrics`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "affinity_requests", "Requests answered, by platform, command word and outcome.", ["platform", "command", "outcome"], registry=r
        )
        self.request_seconds = Histogram(
            "affinity_request_duration_seconds", "Time to answer a request, by platform and command word.", ["platform", "command"], buckets=LATENCY, registry=r
        )
        self.deliveries = Counter(
            "affinity_deliveries", "Proactive messages handed to a platform, by platform and result.", ["platform", "result"], registry=r
        )
        self.rate_limited = Counter(
            "affinity_rate_limited", "Sends a platform answered with 429 / retry after, by platform.", ["platform"], registry=r
        )
        self.job_runs = Counter("affinity_job_runs", "Scheduled job runs, by job and outcome (ok, failed).", ["job", "outcome"], registry=r)
        self.job_seconds = Histogram("affinity_job_duration_seconds", "Time a scheduled job took, by job.", ["job"], buckets=JOB_SECONDS, registry=r)
        self.outbox_items = Gauge("affinity_outbox_items", "Outbox items by state, as of the last scrape.", ["state"], registry=r)
        self.outbox_oldest_waiting = Gauge(
            "affinity_outbox_oldest_waiting_seconds", "How long the oldest due, queued outbox item has been waiting (0 when none is).", registry=r
        )
        self.scheduler_last_tick = Gauge(
            "affinity_scheduler_last_tick_timestamp_seconds", "When this process's scheduler last ran the jobs (Unix time; 0: never or not running here).", registry=r
        )
        self.platform_up = Gauge(
            "affinity_platform_up", "1 when the platform answered this process's last call (or its WebSocket is up), 0 while it cannot be reached.", ["platform"], registry=r
        )
        self.database_up = Gauge("affinity_database_up", "1 when the last readiness check reached the database at the schema's head, else 0.", registry=r)
        self._job_names: frozenset[str] = frozenset()
        self._commands: frozenset[str] = frozenset()

    def know_commands(self, words: Iterable[str]) -> None:
        """The command words that may be labels (the first word of each command in the table)."""
        self._commands = frozenset(words) | {"form", "event", "button", "empty"}

    def command_label(self, word: str) -> str:
        return bounded(word, self._commands)

    def know_jobs(self, names: Iterable[str]) -> None:
        self._job_names = frozenset(names)

    def count_kept_answers(self, hits: Callable[[], int]) -> None:
        self.registry.register(_KeptAnswers(hits))

    # --- what the parts report --------------------------------------------------------------

    def request(self, platform: str, command: str, outcome: str, seconds: float) -> None:
        p, c = bounded(platform, PLATFORMS), bounded(command, self._commands)
        self.requests.labels(p, c, bounded(outcome, OUTCOMES)).inc()
        self.request_seconds.labels(p, c).observe(seconds)

    def delivery(self, platform: str, result: str) -> None:
        p = bounded(platform, PLATFORMS)
        self.deliveries.labels(p, bounded(result, DELIVERY_RESULTS)).inc()
        if result == "retry_after":
            self.rate_limited.labels(p).inc()

    def job(self, name: str, ok: bool, seconds: float) -> None:
        n = bounded(name, self._job_names)
        self.job_runs.labels(n, "ok" if ok else "failed").inc()
        self.job_seconds.labels(n).observe(seconds)

    def text(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


__all__ = ["Metrics", "OUTCOMES", "PLATFORMS", "bounded"]
