"""Someone who ran forget-me talks to the bot again: they are asked, before anything is stored,
whether they want to be known again (SPEC §4.7). Yes removes the keyed hash of their e-mail, so
the next import includes them, and the bot knows them from this message on; no keeps nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import registry
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.parsing import parse
from bot.people import forgotten
from bot.people.commands import Answer
from bot.people.identity import Identified, identify_with_roles
from bot.types import RUN_COMMAND, Button, Card, Inbound, Reply


def _answer(inbound: Inbound) -> bool | None:
    """Yes, no, or neither: what the person typed or pressed."""
    if inbound.event or inbound.form is not None:
        return None
    if inbound.action is not None:
        if inbound.action.action_id != RUN_COMMAND:
            return None
        words = inbound.action.value
    else:
        words = inbound.text or ""
    parsed = parse(words, registry.all_specs())
    return parsed.yes if isinstance(parsed, Answer) else None


async def answer(session: AsyncSession, inbound: Inbound, found: Identified, today) -> Reply:
    """The reply to anything a forgotten person sends, until they say yes."""
    email = found.forgotten_email
    assert email is not None
    t = Translator(found.person.language)
    if inbound.event:
        return Reply(text="", refused=True)  # a platform event (a join, an install): nothing stored
    said = _answer(inbound)
    if said is True:
        await forgotten.known_again(session, email)
        await identify_with_roles(session, inbound.actor, inbound.profile, inbound.locale, today)
        return Reply(text=t("privacy.known_again_done"))
    if said is False:
        return Reply(text=t("privacy.stay_forgotten"))
    buttons = (
        Button(label=t("privacy.button_known_again"), value="yes", style="primary"),
        Button(label=t("privacy.button_stay_forgotten"), value="no"),
    )
    # Nothing was written for them: the reply is not refused, but there is nothing to commit.
    return card_reply(Card(title=t("privacy.known_again_title"), body=t("privacy.known_again_body"), actions=buttons))
