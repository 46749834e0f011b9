"""`privacy export` on Teams: the records come as a download from `serve`, through a short-lived
signed link shown only in a dialog (bot/people/export_links.py).

Over real HTTP on loopback: the serve app (the Teams endpoint and the download route) on a port
bound first, so AFFINITY_PUBLIC_URL can name it; the fake connector records every call.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.bootstrap import Runtime
from bot.catalogue import Translator
from bot.core import Bot
from bot.people import export_links, records
from operations.endpoints import add_export_downloads
from storage.models import Person
from tests.adapters.teams.conftest import MARIA, TeamsClient, teams_app

t = Translator("en")
LINK = re.compile(r"\((http://127\.0\.0\.1:\d+/privacy/export/[^)\s]+)\)")


@pytest.fixture
async def served(district, connector):
    """serve's app with AFFINITY_PUBLIC_URL set to the loopback address it listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = dataclasses.replace(district.settings, public_url=url)
    runtime = Runtime(settings, district.engine, district.sessions, Bot(district.sessions, settings, district.clock), district.clock)
    app = teams_app(runtime)
    add_export_downloads(app, runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    async with aiohttp.ClientSession() as session:
        yield TeamsClient(url, connector, session), session
    await runner.cleanup()


async def maria(district) -> Person:
    info = json.loads((__import__("pathlib").Path(__file__).parents[2] / "fixtures" / "teams" / "members.json").read_text())[MARIA]
    async with district.sessions() as s:
        return (await s.execute(select(Person).where(Person.email == info["userPrincipalName"]))).scalar_one()


async def test_privacy_export_on_teams_is_a_download_link_shown_only_in_a_dialog(served, district):
    teams, http = served
    shown, calls = await teams.open_dialog("privacy export")
    card_text = json.dumps(shown.body, ensure_ascii=False)
    [url] = set(LINK.findall(card_text))
    token = url.rsplit("/", 1)[1]
    assert not [c for c in teams.connector.calls if token in json.dumps(c.body or {})], "the link is never posted to the chat"
    person = await maria(district)
    for needle in (person.email, person.email.split("@")[0], person.name.split()[0], person.name.split()[-1], MARIA, MARIA[3:]):
        assert needle.lower() not in url.lower(), "nothing about the person in the URL"
    # The id is in the token only encrypted: the token's letters are a Fernet ciphertext.
    async with district.sessions() as s:
        assert await export_links.redeem(s, token, district.clock()) == person.id

    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith("attachment; filename=\"affinity-records-")
        assert response.headers["Cache-Control"] == "no-store"
        data = json.loads(await response.read())
    [me] = data["records"]["profile"]
    assert me["email"] == person.email and me["id"] == person.id
    assert set(data["records"]) == {k.name for k in records.KINDS}

    # A token changed by one character, or one for nobody, opens nothing.
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (forged, "x" * 50, "gAAAA" + "A" * 90):
        async with http.get(url.rsplit("/", 1)[0] + "/" + bad) as response:
            assert response.status == 404 and await response.text() == t("privacy.export_link_gone")
    # After LINK_MINUTES the link is dead.
    district.clock.advance(minutes=export_links.LINK_MINUTES, seconds=1)
    async with http.get(url) as response:
        assert response.status == 404


async def test_a_link_for_someone_forgotten_since_opens_nothing(served, district):
    teams, http = served
    shown, _ = await teams.open_dialog("privacy export")
    [url] = set(LINK.findall(json.dumps(shown.body, ensure_ascii=False)))
    person = await maria(district)
    async with district.sessions() as s:
        await s.delete(await s.get(Person, person.id))
        await s.commit()
    async with http.get(url) as response:
        assert response.status == 404


async def test_without_a_public_url_teams_says_where_to_get_the_file(teams, district):
    [said] = await teams.say("privacy export")
    assert t("privacy.export_no_files") in json.dumps(said.body, ensure_ascii=False)
