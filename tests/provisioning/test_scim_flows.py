"""The SCIM endpoint over real HTTP on loopback, driven with the identity systems' documented
sequences: Entra ID (create, filter, PATCH replace, PATCH active:false, DELETE) and Okta (PUT)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.bootstrap import build_web_app, open_runtime
from bot.config import Settings
from bot.people import forgotten
from bot.outbox import enqueue
from bot.types import Reply
from storage.models import Group, Membership, OnboardingJourney, OutboxItem, Person, ProvisionedPerson

TOKEN = "t" * 40
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@asynccontextmanager
async def scim_server(database_url, clock, tokens=(TOKEN,)):
    runtime = await open_runtime(Settings(database_url=database_url, scim_tokens=tokens), clock)
    app = build_web_app(runtime)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            yield runtime, http
    finally:
        await runner.cleanup()
        await runtime.close()


def entra_user(**extra):
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "externalId": "a1b2c3", "userName": "Ana.Perez@District.example", "active": True, "displayName": "Ana Perez",
        "title": "Teacher", "preferredLanguage": "es-MX", "emails": [{"primary": True, "type": "work", "value": "ana.perez@district.example"}],
        "name": {"formatted": "Ana Perez", "familyName": "Perez", "givenName": "Ana"},
        ENT: {"department": "Lincoln Elementary", "employeeHireDate": "2026-09-10"},
    }
    user.update(extra)
    return user


async def test_entra_sequence_creates_updates_ends_and_deletes(database_url, clock):
    async with scim_server(database_url, clock) as (runtime, http):
        async with http.get("/scim/v2/Users", params={"filter": 'userName eq "ana.perez@district.example"'}) as r:
            assert r.status == 200 and (await r.json())["totalResults"] == 0
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            assert r.status == 201, await r.text()
            assert r.content_type == "application/scim+json"
            created = await r.json()
        user_id = created["id"]
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            body = await r.json()
            assert r.status == 409 and body["scimType"] == "uniqueness" and body["status"] == "409"
        async with http.get("/scim/v2/Users", params={"filter": 'externalId eq "a1b2c3"'}) as r:
            found = await r.json()
            assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user_id
        async with http.get("/scim/v2/Users", params={"filter": 'emails[type eq "work"].value eq "ana.perez@district.example"'}) as r:
            assert (await r.json())["totalResults"] == 1
        async with runtime.sessions() as s:
            person = (await s.execute(select(Person).where(Person.email == "ana.perez@district.example"))).scalar_one()
            assert (person.name, person.job_role, person.site, person.language, person.start_date) == (
                "Ana Perez", "Teacher", "Lincoln Elementary", "es", date(2026, 9, 10))
            assert (await s.execute(select(OnboardingJourney).where(OnboardingJourney.person_id == person.id))).scalar_one().stopped_at is None
        async with runtime.sessions.begin() as s:
            group = Group(slug="latinx", name="Latinx Educators", created_on=date(2026, 9, 1))
            s.add(group)
            await s.flush()
            s.add(Membership(person_id=person.id, group_id=group.id, status="active", requested_at=clock(), joined_at=clock()))
            await enqueue(s, key="test-1", kind="onboarding", reply=Reply(text="Welcome"), person_id=person.id, now=clock())
        # Entra's PATCH replace, with a path and with the value-object form.
        patch = {"schemas": [PATCH], "Operations": [
            {"op": "Replace", "path": "title", "value": "Counselor"},
            {"op": "Replace", "value": {"displayName": "Ana P. Perez", f"{ENT}:department": "Roosevelt High"}},
        ]}
        async with http.patch(f"/scim/v2/Users/{user_id}", json=patch) as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["title"] == "Counselor"
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "id", "value": "9"}]}) as r:
            assert r.status == 400 and (await r.json())["scimType"] == "mutability"
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "Remove", "path": 'emails[type eq "home"].value'}]}) as r:
            assert r.status == 400 and (await r.json())["scimType"] == "noTarget"
        async with runtime.sessions() as s:
            person = (await s.execute(select(Person).where(Person.id == int(user_id)))).scalar_one()
            assert (person.name, person.job_role, person.site, person.end_date) == ("Ana P. Perez", "Counselor", "Roosevelt High", None)
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}) as r:
            assert r.status == 200 and (await r.json())["active"] is False
        async with runtime.sessions() as s:
            person = (await s.execute(select(Person).where(Person.id == int(user_id)))).scalar_one()
            assert person.end_date == date(2026, 9, 14)
            assert (await s.execute(select(OnboardingJourney.stopped_at).where(OnboardingJourney.person_id == person.id))).scalar_one() is not None
            assert (await s.execute(select(Membership.status).where(Membership.person_id == person.id))).scalars().all() == ["left"]
            assert (await s.execute(select(OutboxItem).where(OutboxItem.person_id == person.id))).scalars().all() == [], "messages stop"
        async with http.delete(f"/scim/v2/Users/{user_id}") as r:
            assert r.status == 204
        async with http.get(f"/scim/v2/Users/{user_id}") as r:
            assert r.status == 404 and (await r.json())["status"] == "404"
        async with runtime.sessions() as s:
            person = (await s.execute(select(Person).where(Person.id == int(user_id)))).scalar_one()
            assert person.end_date == date(2026, 9, 14), "kept, ended, for retention figures"


async def test_okta_put_updates_and_deactivates(database_url, clock):
    async with scim_server(database_url, clock) as (runtime, http):
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "lee@district.example",
                "name": {"givenName": "Lee", "familyName": "Wong"}, "emails": [{"primary": True, "value": "lee@district.example", "type": "work"}],
                "active": True}
        async with http.post("/scim/v2/Users", json=user) as r:
            assert r.status == 201
            user_id = (await r.json())["id"]
        async with http.put(f"/scim/v2/Users/{user_id}", json={**user, "title": "Aide", "active": False}) as r:
            assert r.status == 200 and (await r.json())["active"] is False
        async with runtime.sessions() as s:
            person = (await s.execute(select(Person).where(Person.id == int(user_id)))).scalar_one()
            assert (person.name, person.job_role, person.end_date) == ("Lee Wong", "Aide", date(2026, 9, 14))


async def test_a_forgotten_person_is_acknowledged_and_nothing_is_stored(database_url, clock):
    async with scim_server(database_url, clock) as (runtime, http):
        async with runtime.sessions.begin() as s:
            await forgotten.remember(s, "ana.perez@district.example")
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            assert r.status == 201
            assert (await r.json())["id"].startswith("forgotten-")
        async with runtime.sessions() as s:
            assert (await s.execute(select(Person))).scalars().all() == []
            assert (await s.execute(select(ProvisionedPerson))).scalars().all() == []


async def test_tokens_and_errors(database_url, clock):
    async with scim_server(database_url, clock, tokens=(TOKEN, "u" * 40)) as (runtime, http):
        async with http.get("/scim/v2/Users", headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status == 401 and (await r.json())["status"] == "401"
        async with http.get("/scim/v2/Users", headers={"Authorization": "Bearer " + "u" * 40}) as r:
            assert r.status == 200
        async with http.get("/scim/v2/Users", params={"filter": 'displayName co "x"'}) as r:
            assert r.status == 400 and (await r.json())["scimType"] == "invalidFilter"
        async with http.post("/scim/v2/Users", data=b"x" * (1024 * 1024 + 10), headers={"Content-Type": "application/scim+json"}) as r:
            assert r.status == 413
        async with http.post("/scim/v2/Users", json=entra_user(userName="not an address", emails=[])) as r:
            assert r.status == 400 and (await r.json())["scimType"] == "invalidValue"
        for path in ("/scim/v2/ServiceProviderConfig", "/scim/v2/ResourceTypes", "/scim/v2/Schemas"):
            async with http.get(path) as r:
                assert r.status == 200, path
        async with http.get("/scim/v2/ResourceTypes") as r:
            assert [t["name"] for t in (await r.json())["Resources"]] == ["User"], "Groups are refused"
        async with http.post("/scim/v2/Groups", json={}) as r:
            assert r.status == 404


async def test_routes_are_absent_without_a_token(sqlite_url, clock):
    runtime = await open_runtime(Settings(database_url=sqlite_url), clock)
    runner = web.AppRunner(build_web_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/scim/v2/Users", headers={"Authorization": f"Bearer {TOKEN}"}) as r:
                assert r.status == 404
    finally:
        await runner.cleanup()
        await runtime.close()


async def test_provisioning_status_counts_the_day_and_names_no_one(database_url, clock):
    from bot.bootstrap import provisioning_status

    async with scim_server(database_url, clock) as (runtime, http):
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            user_id = (await r.json())["id"]
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            assert r.status == 409
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "Aide"}]}) as r:
            assert r.status == 200
        async with http.delete(f"/scim/v2/Users/{user_id}") as r:
            assert r.status == 204
        text = await provisioning_status(runtime)
    assert "served (AFFINITY_SCIM_TOKEN is set)" in text
    assert "Last request: 2026-09-14 15:00:00 UTC, DELETE Users, 204." in text
    assert "1 created, 1 updated, 1 ended" in text and "1 refused" in text
    assert "POST Users  409 uniqueness" in text
    for personal in ("ana", "Ana", "Perez", "a1b2c3", "district.example", "Teacher"):
        assert personal not in text


async def test_the_same_user_sent_twenty_times_at_once_is_created_once(database_url, clock):
    import asyncio

    async with scim_server(database_url, clock) as (runtime, http):
        async def send():
            async with http.post("/scim/v2/Users", json=entra_user()) as r:
                return r.status, (await r.json()).get("scimType")

        answers = await asyncio.gather(*(send() for _ in range(20)))
        assert sorted(answers, key=str)[0] == (201, None) and answers.count((201, None)) == 1, answers
        assert all(a in ((201, None), (409, "uniqueness")) for a in answers), answers
        async with runtime.sessions() as s:
            assert len((await s.execute(select(ProvisionedPerson))).scalars().all()) == 1
