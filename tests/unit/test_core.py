"""The core's contract: one transaction per request; refusals and failures change nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot import registry
from bot.features import Feature
from bot.parsing import Command, Spec
from bot.types import Action, Inbound, Profile, UserRef
from storage.models import Membership, Person


@dataclass(frozen=True)
class Explode(Command):
    pass


async def _write_then_fail(cmd, turn):
    turn.session.add(Membership(person_id=turn.person.id, group_id=1, status="active", requested_at=turn.now, dm_ok=True, nudges_ok=True))
    await turn.session.flush()
    raise RuntimeError("disk on fire: maria.lopez@district.example wrote something")


@pytest.fixture
def exploding_feature(monkeypatch):
    extra = Feature(name="explode", specs=(Spec(("explode",), lambda a: Explode(), "help.help", listed=False),), handlers={Explode: _write_then_fail})
    features = registry.features() + (extra,)
    for cached in (registry.all_specs, registry.handlers, registry.forms, registry.events):
        cached.cache_clear()
    monkeypatch.setattr(registry, "features", lambda: features)
    yield
    for cached in (registry.all_specs, registry.handlers, registry.forms, registry.events):
        cached.cache_clear()


async def test_a_failure_rolls_back_and_logs_no_words(exploding_feature, speaker, district, captured_logs):
    maria = speaker("maria.lopez")
    reply = await maria.say("explode")
    assert reply.refused and "nothing was changed" in reply.text
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Membership).where(Membership.group_id == 1))).scalar() == 7
    logged = " ".join(r.getMessage() for r in captured_logs.records)
    assert "RuntimeError" in logged and "maria" not in logged and "disk on fire" not in logged


async def test_a_button_can_do_no_more_than_typing(speaker, district):
    """A forged button value is parsed and role-checked like typed words."""
    maria = speaker("maria.lopez")
    reply = await district.bot.handle(Inbound(actor=maria.actor, profile=maria.profile, action=Action("run", "groups members lgbtq-educators")))
    assert reply.refused and "Only a facilitator" in reply.text
    reply = await district.bot.handle(Inbound(actor=maria.actor, profile=maria.profile, action=Action("delete-everything", "x")))
    assert reply.refused


async def test_first_contact_creates_a_person_linked_by_email_and_language(district):
    actor = UserRef("slack", "T1", "U999")
    reply = await district.bot.handle(Inbound(actor=actor, text="help", profile=Profile(name="Nuevo", email="nuevo@district.example", locale="es-MX")))
    assert reply.text.startswith("Esto es lo que puedes hacer (escribe las palabras; la / inicial es opcional):")
    assert "Here is what you can do" not in reply.text and "`groups join <group>` — únete a un grupo" in reply.text
    async with district.sessions() as s:
        person = (await s.execute(select(Person).where(Person.email == "nuevo@district.example"))).scalar_one()
        assert person.language == "es" and person.name == "Nuevo"


async def test_empty_and_unknown_events_are_quiet(district):
    reply = await district.bot.handle(Inbound(actor=UserRef("slack", "T1", "U1"), event="something_new"))
    assert reply.refused and reply.text == ""
    reply = await district.bot.handle(Inbound(actor=UserRef("slack", "T1", "U1"), text="   "))
    assert reply.refused
