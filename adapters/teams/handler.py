"""What each Teams activity means to the core: one Inbound in, one Reply out, rendered back.

Replies meant for one person (every reply is, unless the core says otherwise) are never posted
where others can read them: asked in a channel or group chat, the answer goes to the person's
own chat with the bot, and the channel only hears that it did.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Awaitable, Callable, Mapping

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.teams import activity as read
from adapters.teams.adapter import CHANNEL_ID, RAW_ACTIVITY, TeamsAdapter, to_activity
from adapters.teams import dialogs, search
from adapters.teams.cards import ADAPTIVE_CARD, fallback_text, fits, messages
from adapters.teams.connector import ConnectorError
from adapters.teams.members import MemberDirectory
from adapters.teams.references import PersonalReference, ReferenceBook, SharedConversation
from bot import registry
from bot.catalogue import Translator, language_for
from bot.home import PERSON_APPEARED
from bot.types import Action, FormSubmission, Inbound, Option, Reply, UserRef

Handle = Callable[[Inbound], Awaitable[Reply]]
#: The core's `Bot.suggest`: the options of a form's long list matching what was typed.
Suggest = Callable[[UserRef, str, str, str], Awaitable[list[Option]]]


class TeamsTurns(ActivityHandler):
    """The SDK's ActivityHandler, routing messages, card submissions and member events to the core."""

    def __init__(self, handle: Handle, adapter: TeamsAdapter, members: MemberDirectory, book: ReferenceBook, suggest: Suggest | None = None) -> None:
        self.handle = handle
        self.suggest = suggest
        self.adapter = adapter
        self.members = members
        self.book = book

    # --- what people do ---------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._exchange(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name in (dialogs.FETCH, dialogs.SUBMIT):
            return await self._dialog(turn_context)
        if turn_context.activity.name != "adaptiveCard/action":
            return self._not_handled(turn_context)
        reply = await self._exchange(turn_context, answer=False)
        body = _raw(turn_context)
        if reply is not None and reply.card is not None and (read.conversation_kind(body) == "dm" or not reply.ephemeral):
            rendered = messages(reply, language_for(body.get("locale")))
            if len(rendered) == 1 and rendered[0].get("attachments"):
                # An Action.Execute is answered by the card that replaces the one pressed.
                return _invoke_answer(ADAPTIVE_CARD, rendered[0]["attachments"][0]["content"])
            # Too much for one card: the parts follow as messages.
        if reply is not None:
            await self._answer(turn_context, read.user_ref(read.tenant_of(body), read.member_of(body.get("from"))), reply)
        return _invoke_answer("application/vnd.microsoft.activity.message", "")

    async def _dialog(self, turn_context: TurnContext) -> InvokeResponse:
        """A dialog opened by an opener's button (task/fetch), or a card in it submitted
        (task/submit): the answer is the dialog's next card, and nothing is posted to the chat."""
        body = _raw(turn_context)
        language = language_for(body.get("locale"))
        t = Translator(language)
        member = read.member_of(body.get("from"))
        if turn_context.activity.name == dialogs.FETCH:
            command = dialogs.fetched_command(body.get("value"))
            found: Action | FormSubmission | str | None = command
        else:
            found = read.submission(dialogs.submitted_data(body.get("value")))
        if found is None:
            return self._not_handled(turn_context)
        profile = read.profile_of(member, await self._member_info(body, member), body)
        common = dict(actor=read.user_ref(read.tenant_of(body), member), where=read.where_of(body), profile=profile, locale=body.get("locale") or None)
        if isinstance(found, str):
            inbound = Inbound(text=found, **common)
        elif isinstance(found, Action):
            inbound = Inbound(action=found, **common)
        else:
            inbound = Inbound(form=found, **common)
        reply = await self._search_step(inbound, body)
        if reply is None:
            reply = await self.handle(inbound)
            await self._remember(body, inbound.actor, member)
        return InvokeResponse(status=int(HTTPStatus.OK), body=dialogs.task_answer(reply, language, t))

    def _not_handled(self, turn_context: TurnContext) -> InvokeResponse:
        """An invoke the bot offers nothing for (a sign-in, a message extension, a dialog's data not its own):
        a polite answer in the shape Teams expects, not the SDK's 501."""
        body = _raw(turn_context)
        sentence = Translator(language_for(body.get("locale")))("teams.not_handled")
        if turn_context.activity.name in ("task/fetch", "task/submit"):
            return InvokeResponse(status=int(HTTPStatus.OK), body={"task": {"type": "message", "value": sentence}})
        return _invoke_answer("application/vnd.microsoft.activity.message", sentence)

    # --- people appearing ---------------------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        body = _raw(turn_context)
        bot_id = (body.get("recipient") or {}).get("id")
        if read.conversation_kind(body) != "dm":
            await self._remember_shared(body)
        for account in body.get("membersAdded") or ():
            if not isinstance(account, Mapping):
                continue
            if account.get("id") == bot_id:
                # The bot itself was added: in a personal chat that means someone installed it.
                if read.conversation_kind(body) == "dm":
                    await self._appeared(turn_context, read.member_of(body.get("from")))
                continue
            await self._appeared(turn_context, read.member_of(account))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        body = _raw(turn_context)
        if read.conversation_kind(body) == "dm":
            await self._appeared(turn_context, read.member_of(body.get("from")))
        else:
            await self._remember_shared(body)

    # --- the exchange ---------------------------------------------------------------------------

    async def _exchange(self, turn_context: TurnContext, answer: bool = True) -> Reply | None:
        body = _raw(turn_context)
        member = read.member_of(body.get("from"))
        profile = read.profile_of(member, await self._member_info(body, member), body)
        inbound = read.inbound_from(body, profile)
        if inbound is None:
            return None
        reopened = self._dialog_form_in_chat(inbound, body)
        if reopened is not None:
            if answer:
                await self._answer(turn_context, inbound.actor, reopened)
            return reopened
        stepped = await self._search_step(inbound, body)
        if stepped is not None:
            # A step of a two-step form: reads only, and the core's turn is the form's submission.
            if answer:
                await self._answer(turn_context, inbound.actor, stepped)
            return stepped
        reply = await self.handle(inbound)
        await self._remember(body, inbound.actor, member)
        if reply.dialog:
            # Kept out of the chat's history: the chat gets a button that opens it in a dialog.
            reply = dialogs.opener(reply, Translator(language_for(body.get("locale"))))
        if answer:
            await self._answer(turn_context, inbound.actor, reply)
        return reply

    def _dialog_form_in_chat(self, inbound: Inbound, body: Mapping[str, Any]) -> Reply | None:
        """A dialog-only form submitted from a card in the chat (one posted before forms moved to
        dialogs): not run, since its answer could be shown nowhere but the chat; the person gets
        the opener of the same form in a dialog. None for anything else."""
        form = inbound.form
        command = registry.dialog_forms().get(form.form_id) if form is not None else None
        if command is None:
            return None
        t = Translator(language_for(body.get("locale")))
        return dialogs.opener(Reply(text="", dialog=command), t)

    async def _search_step(self, inbound: Inbound, body: Mapping[str, Any]) -> Reply | None:
        """Find (step 1 submitted) or Search again, of a form whose long list is searched; None
        for anything else."""
        t = Translator(language_for(body.get("locale")))
        if inbound.form is not None and inbound.form.form_id == search.FIND_FORM:
            spec = search.decode(inbound.form.context)
            query = str(inbound.form.values.get(search.QUERY) or "")
            if spec is None:
                return Reply(text=t("teams.not_handled"))
            matches = await self.suggest(inbound.actor, spec.form.form_id, spec.name, query) if self.suggest and query.strip() else []
            card = search.next_step(spec, query, matches, t, fits)
        elif inbound.action is not None and inbound.action.action_id == search.FIND_ACTION:
            spec = search.decode(inbound.action.value)
            if spec is None:
                return Reply(text=t("teams.not_handled"))
            card = search.step_one(spec, t)
        else:
            return None
        return Reply(text=fallback_text(card), card=card)

    async def _appeared(self, turn_context: TurnContext, member: read.Member) -> None:
        body = _raw(turn_context)
        if not member.channel_id:
            return
        tenant = read.tenant_of(body)
        actor = read.user_ref(tenant, member)
        profile = read.profile_of(member, await self._member_info(body, member), None)
        where = read.where_of(body)
        reply = await self.handle(
            Inbound(actor=actor, where=where, event=PERSON_APPEARED, profile=profile, locale=body.get("locale") or None)
        )
        await self._remember(body, actor, member)
        if not reply.refused and (reply.text or reply.card is not None):
            await self._answer(turn_context, actor, reply, member=member)

    async def _answer(self, turn_context: TurnContext, actor: UserRef, reply: Reply, member: read.Member | None = None) -> None:
        if not reply.text and reply.card is None:
            return
        body = _raw(turn_context)
        outgoing = [to_activity(fields) for fields in messages(reply, language_for(body.get("locale")))]
        if read.conversation_kind(body) == "dm" or not reply.ephemeral:
            for activity in outgoing:
                await turn_context.send_activity(activity)
            return
        member = member or read.member_of(body.get("from"))
        delivered = await self._send_privately(body, actor, member, outgoing)
        t = Translator(language_for(body.get("locale")))
        notice = t("teams.answered_privately") if delivered else t("teams.open_private_chat", bot=(body.get("recipient") or {}).get("name") or "Affinity")
        await turn_context.send_activity(to_activity({"type": "message", "text": notice}))

    async def _send_privately(self, body: Mapping[str, Any], actor: UserRef, member: read.Member, outgoing: list[Activity]) -> bool:
        """Deliver `outgoing` in the person's one-to-one chat, opening it if needed."""
        tenant = read.tenant_of(body)
        recipient = body.get("recipient") or {}
        stored = await self.book.person(actor)
        reference = ConversationReference(
            channel_id=CHANNEL_ID,
            service_url=body.get("serviceUrl"),
            bot=ChannelAccount(id=recipient.get("id"), name=recipient.get("name")),
            user=ChannelAccount(id=member.channel_id),
            conversation=ConversationAccount(
                id=stored.conversation_id if stored else None, conversation_type="personal", is_group=False, tenant_id=tenant
            ),
        )
        if reference.conversation.id is None:
            parameters = ConversationParameters(
                is_group=False,
                bot=reference.bot,
                members=[ChannelAccount(id=member.channel_id)],
                tenant_id=tenant,
                channel_data={"tenant": {"id": tenant}},
            )
            try:
                reference = await self.adapter.create_conversation(reference, None, parameters)
            except ConnectorError as exc:
                if exc.transient:
                    raise
                # Not installed for this person yet: Teams will not open a chat for the bot.
                return False
            await self.book.remember_personal_chat(actor, reference.conversation.id)

        async def send(context: TurnContext) -> None:
            for activity in outgoing:
                await context.send_activity(activity)

        await self.adapter.continue_conversation(reference, send)
        return True

    # --- what is remembered -----------------------------------------------------------------------

    async def _member_info(self, body: Mapping[str, Any], member: read.Member) -> Mapping[str, Any] | None:
        where = read.where_of(body)
        return await self.members.lookup(read.tenant_of(body), member, str(body.get("serviceUrl") or ""), where.conversation_id)

    async def _remember(self, body: Mapping[str, Any], actor: UserRef, member: read.Member) -> None:
        where = read.where_of(body)
        service_url = str(body.get("serviceUrl") or "")
        if not service_url or not member.channel_id:
            return
        await self.book.remember_person(
            actor,
            PersonalReference(
                service_url=service_url,
                user_id=member.channel_id,
                bot_id=str((body.get("recipient") or {}).get("id") or ""),
                tenant_id=where.tenant,
                conversation_id=where.conversation_id if where.kind == "dm" else None,
            ),
        )
        if where.kind != "dm":
            await self._remember_shared(body)

    async def _remember_shared(self, body: Mapping[str, Any]) -> None:
        where = read.where_of(body)
        service_url = str(body.get("serviceUrl") or "")
        if not service_url or not where.conversation_id:
            return
        team = ((body.get("channelData") or {}).get("team") or {}).get("id")
        await self.book.remember_conversation(
            SharedConversation(
                tenant=where.tenant,
                conversation_id=where.conversation_id,
                kind=where.kind,
                service_url=service_url,
                bot_id=str((body.get("recipient") or {}).get("id") or ""),
                team_id=team,
            )
        )


def _invoke_answer(kind: str, value: Any) -> InvokeResponse:
    return InvokeResponse(status=int(HTTPStatus.OK), body={"statusCode": 200, "type": kind, "value": value})


def _raw(turn_context: TurnContext) -> Mapping[str, Any]:
    return turn_context.turn_state.get(RAW_ACTIVITY) or {}
