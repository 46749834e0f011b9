"""`GET /metrics`: Prometheus text that its own parser reads, with nobody in it."""

from __future__ import annotations

from dataclasses import replace

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from adapters.console.gateway import ConsoleGateway
from bot.bootstrap import build_web_app
from bot.config import ConfigError, Settings
from schedules.dispatcher import Dispatcher
from schedules.scheduler import Scheduler
from tests.operations.identifiers import identifiers


async def _get(app: web.Application, path: str) -> tuple[int, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                return response.status, await response.text()
    finally:
        await runner.cleanup()


def _samples(body: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def test_metrics_count_requests_deliveries_and_jobs_and_name_nobody(district, speaker, clock):
    maria, jordan = speaker("maria.lopez"), speaker("jordan.reyes")
    await maria.say("help")  # a first contact: linked to the roster by e-mail
    await maria.say("groups")
    await maria.say("groups")  # answered from the kept listing
    await maria.say("groups join new-teachers")
    await maria.say("groups mine")
    await jordan.say("Maria Lopez told me to type this")  # free text: never a label
    await jordan.say("groups info lgbtq-educators")
    await jordan.say("grupos")  # Spanish words count as the command they name
    metrics = district.metrics
    dispatcher = Dispatcher(district.sessions, {"console": ConsoleGateway(maria.console)}, clock, metrics=metrics)
    await Scheduler(district.sessions, district.settings, dispatcher, clock, metrics=metrics).tick()

    district.settings = replace(district.settings, metrics=True)
    status, body = await _get(build_web_app(district), "/metrics")
    assert status == 200
    samples = _samples(body)

    def value(name: str, **labels) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("affinity_requests_total", platform="console", command="groups", outcome="ok") >= 3
    assert value("affinity_requests_total", platform="console", command="other", outcome="refused") == 1
    assert value("affinity_request_duration_seconds_count", platform="console", command="groups") >= 5
    assert value("affinity_kept_answers_total") >= 1
    assert value("affinity_requests_total", platform="console", command="groups", outcome="kept") >= 1
    assert value("affinity_request_duration_seconds_count", platform="console", command="groups") >= 4
    assert sum(v for (n, _), v in samples.items() if n == "affinity_job_runs_total") == len(Scheduler(district.sessions, district.settings, dispatcher).jobs)
    assert sum(v for (n, labels), v in samples.items() if n == "affinity_deliveries_total") >= 1
    assert value("affinity_outbox_items", state="queued") >= 0 and ("affinity_outbox_items", (("state", "sent"),)) in samples
    assert value("affinity_scheduler_last_tick_timestamp_seconds") == clock().timestamp()

    # Nobody's name, e-mail, platform id or group, nor anything typed, in labels or anywhere else.
    needles = await identifiers(district) + ["Maria Lopez told me"]
    assert len(needles) > 40
    lowered = body.lower()
    assert [n for n in needles if n.lower() in lowered] == []
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            for label, text in sample.labels.items():
                assert text in {"slack", "teams", "console", "other", "ok", "refused", "kept", "unavailable", "error", "sent", "retry_after", "unreachable", "failed", "queued", "sending", "dead"} or label in ("command", "job", "le"), (label, text)


async def test_metrics_are_off_unless_asked_for(sqlite_runtime):
    status, _ = await _get(build_web_app(sqlite_runtime), "/metrics")
    assert status == 404
    sqlite_runtime.settings = replace(sqlite_runtime.settings, metrics_port=9999, metrics=True)
    status, _ = await _get(build_web_app(sqlite_runtime), "/metrics")
    assert status == 404, "with a port of its own, /metrics is not on the main port"


def test_metrics_settings_are_checked():
    assert Settings.from_env({"AFFINITY_METRICS": "1"}).metrics
    assert Settings.from_env({"AFFINITY_METRICS_PORT": "9102"}).metrics_port == 9102
    for env in ({"AFFINITY_METRICS": "yes"}, {"AFFINITY_METRICS_PORT": "0"}, {"AFFINITY_METRICS_PORT": "3978"}):
        try:
            Settings.from_env(env)
        except ConfigError as exc:
            assert "AFFINITY_METRICS" in str(exc)
        else:
            raise AssertionError(env)
