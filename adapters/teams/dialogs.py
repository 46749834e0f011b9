"""Dialogs (task modules): where Teams shows an answer that must not stay in a chat.

A chat message stays in the conversation's history and in the tenant's compliance archive, next
to who the person is. So a reply the core marks `Reply.dialog` (a case code, the DEI office's
replies to a case, the forms that lead to them) is never posted to a chat. The chat gets an
*opener* instead: the answer's title, a sentence saying why, and a button that opens a dialog.

1. The button is an Action.Submit whose data says `msteams.type = task/fetch`; pressing it makes
   Teams send a `task/fetch` invoke carrying only the button's data: `DIALOG_ACTION` and the
   command the core named (`Reply.dialog`, e.g. "concern"), never anything secret.
2. The bot runs that command and answers the invoke with the reply's card as the dialog
   (`{"task": {"type": "continue", ...}}`), or a text answer as a dialog message.
3. A form in the dialog is submitted as a `task/submit` invoke; its answer (the case code, the
   case's replies) is the next card of the same dialog. Closing the dialog leaves nothing in the
   chat: Teams keeps no history of a dialog.

The Teams manifest needs nothing for this: dialogs opened from a bot's card are part of the bot.
"""

from __future__ import annotations

from typing import Any, Mapping

from adapters.teams.activity import ACTION_KEY, DIALOG_ACTION, VALUE_KEY
from adapters.teams.cards import ADAPTIVE_CARD, adaptive_card, fallback_text, messages
from bot.catalogue import Translator
from bot.types import Button, Card, Reply

#: The longest command an opener carries (the core's are a few words).
COMMAND_LIMIT = 200
#: Invokes of a dialog.
FETCH, SUBMIT = "task/fetch", "task/submit"


def opener(reply: Reply, t: Translator) -> Reply:
    """What the chat shows in place of `reply`: its title and a button that opens it in a dialog."""
    title = reply.card.title if reply.card is not None and reply.card.title else t("teams.dialog_title")
    card = Card(title=title, body=t("teams.dialog_body"), actions=(Button(t("teams.dialog_open"), reply.dialog, action_id=DIALOG_ACTION, style="primary"),))
    return Reply(text=fallback_text(card), card=card, ephemeral=reply.ephemeral)


def fetched_command(value: Any) -> str | None:
    """The command an opener's `task/fetch` carries, or None for any other data."""
    data = value.get("data") if isinstance(value, Mapping) else None
    if not isinstance(data, Mapping) or data.get(ACTION_KEY) != DIALOG_ACTION:
        return None
    command = data.get(VALUE_KEY)
    if not isinstance(command, str) or not command.strip() or len(command) > COMMAND_LIMIT:
        return None
    return command


def submitted_data(value: Any) -> Mapping[str, Any] | None:
    """What a card inside a dialog submitted (its Action.Submit data and inputs)."""
    data = value.get("data") if isinstance(value, Mapping) else None
    return data if isinstance(data, Mapping) else None


def task_answer(reply: Reply | None, language: str, t: Translator) -> dict[str, Any]:
    """The body answering a `task/fetch` or `task/submit`: the reply shown in the dialog."""
    if reply is None or (not reply.text and reply.card is None):
        return {"task": {"type": "message", "value": t("teams.not_handled")}}
    if reply.card is None:
        return {"task": {"type": "message", "value": reply.text}}
    rendered = messages(reply, language)
    if len(rendered) == 1 and rendered[0].get("attachments"):
        content = rendered[0]["attachments"][0]["content"]
    else:
        # Too much for one chat message: a dialog takes the whole card, scrolled.
        content = adaptive_card(reply.card, fallback_text(reply.card, reply.text))
    title = reply.card.title or t("teams.dialog_title")
    return {
        "task": {
            "type": "continue",
            "value": {"title": title[:64], "width": "medium", "height": "large", "card": {"contentType": ADAPTIVE_CARD, "content": content}},
        }
    }
