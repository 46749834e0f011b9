"""The core's one entry: an Inbound in, a Reply out, in one transaction."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import registry
from bot.catalogue import Translator
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.groups.cache import Generations, KeptListing, Known, ListingCache
from bot.groups.commands import ListGroups
from bot.help import refusal_reply
from bot import request_context
from bot.metrics import PLATFORMS, Metrics, bounded
from bot.parsing import Command, Refusal, first_word, normalise, parse
from bot.people.identity import KNOWN_FACTS, identify, identify_with_roles, own_groups
from bot.turn import Turn
from bot.typed_text import cleaned, one_line
from bot.types import RUN_COMMAND, Inbound, Option, Profile, Reply, UserRef

log = logging.getLogger("affinity.core")
#: One line per request answered (platform, command word, outcome, duration; nobody, no text),
#: at INFO: shown by AFFINITY_LOG_FORMAT=json, which logs INFO and up.
requests_log = logging.getLogger("affinity.requests")


class Bot:
    """The platform-neutral bot. Adapters hand it Inbounds; it answers with Replies."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock = system_clock, metrics: Metrics | None = None
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        # Per-process state that must never reach the database (e.g. the concern throttle).
        self.memory: dict[str, object] = {}
        # Listings and who is asking, kept in memory while the database says they are current.
        engine = sessions.kw.get("bind")
        self.cache: ListingCache | None = None
        if engine is not None and settings.cache_check_ms > 0:
            self.cache = ListingCache(Generations(engine, clock, timedelta(milliseconds=settings.cache_check_ms)))
        self._parsed: dict[str, ListGroups | None] = {}
        self.metrics = metrics if metrics is not None else Metrics()
        self.metrics.know_commands(spec.words[0] for spec in registry.all_specs())
        if self.cache is not None:
            cache = self.cache
            self.metrics.count_kept_answers(lambda: cache.hits)

    async def handle(self, inbound: Inbound) -> Reply:
        """Answer one thing a person did. A refusal or a failure changes nothing."""
        started = time.perf_counter()
        inbound = cleaned(inbound)
        outcome = "error"
        platform, command = bounded(inbound.actor.platform, PLATFORMS), self.metrics.command_label(command_word(inbound))
        context = request_context.begin(platform, command)
        try:
            if self.cache is not None:
                kept = await self._kept(inbound)
                if kept is not None:
                    outcome = "kept"
                    return kept
            reply, outcome = await self._answer(inbound)
            return reply
        finally:
            seconds = time.perf_counter() - started
            self.metrics.request(platform, command, outcome, seconds)
            requests_log.info("request answered: %s", outcome, extra={"duration_ms": round(seconds * 1000, 2), "outcome": outcome})
            request_context.end(context)

    async def _answer(self, inbound: Inbound) -> tuple[Reply, str]:
        """The reply from the database, in one transaction, and how it ended (for the metrics)."""
        async with self.sessions() as session:
            try:
                reply = await self._handle(session, inbound)
                if reply.refused:
                    await session.rollback()
                else:
                    await session.commit()
                return reply, "refused" if reply.refused else "ok"
            except Exception as exc:
                await _quiet_rollback(session)
                language = (inbound.locale or "en")[:2]
                if is_outage(exc):
                    # The database is away (stopped, restarting, the network to it cut): nothing
                    # was written, and the next request tries a fresh connection.
                    log.warning("request not answered, the database is unavailable: %s", type(exc).__name__)
                    return Reply(text=Translator(language)("errors.unavailable"), refused=True), "unavailable"
                # The type and where it happened only: an exception's message can carry what the
                # person wrote, so it is never logged.
                log.error("request failed: %s", type(exc).__name__)
                frames = traceback.extract_tb(exc.__traceback__)
                log.debug("request failed at: %s", " < ".join(f"{f.filename}:{f.lineno} {f.name}" for f in reversed(frames)))
                return Reply(text=Translator(language)("errors.internal"), refused=True), "error"

    async def suggest(self, actor: UserRef, form_id: str, input_name: str, query: str) -> list[Option]:
        """The options of a form's input that match what the person typed so far (bot/choices.py),
        at most 100, for a platform whose menu cannot hold the whole list. Reads only: nothing is
        written, not even the person; an input without a searchable list has no suggestions."""
        from bot.choices import matching

        source = registry.choices().get((form_id, input_name))
        if source is None:
            return []
        try:
            async with self.sessions() as session:
                options = await source(session, self.settings)
        except Exception as exc:  # noqa: BLE001 - a typeahead that finds nothing says so itself
            log.error("suggestions failed: %s", type(exc).__name__)
            return []
        return matching(options, one_line(query))

    async def ensure_person(self, actor: UserRef, profile: Profile | None) -> int | None:
        """The person behind `actor`, created on first contact; returns their id (None for someone
        who ran forget-me: nothing is stored until they say they want to be known again)."""
        async with self.sessions() as session:
            today = self.clock().astimezone(self.settings.timezone).date()
            person = await identify(session, actor, profile, profile.locale if profile else None, today)
            await session.commit()
            return person.id

    def _asks_listing(self, inbound: Inbound) -> ListGroups | None:
        """The listing this request asks for, typed or pressed, if that is what it asks."""
        if inbound.event or inbound.form is not None:
            return None
        if inbound.action is not None:
            if inbound.action.action_id != RUN_COMMAND:
                return None
            return self._listing_command(inbound.action.value)
        return self._listing_command(inbound.text or "")

    def _listing_command(self, text: str) -> ListGroups | None:
        """The listing `text` asks for, if it asks for one (parsing is pure: remembered)."""
        try:
            return self._parsed[text]
        except KeyError:
            pass
        parsed = parse(text, registry.all_specs())
        found = parsed if isinstance(parsed, ListGroups) else None
        if len(self._parsed) >= 4096:
            self._parsed.clear()
        self._parsed[text] = found
        return found

    def answer_from_memory(self, inbound: Inbound) -> Reply | None:
        """The kept answer for this request if it is current without asking the database even
        for the generation (a read within the check interval); None otherwise. Never waits."""
        if self.cache is None:
            return None
        found = self._kept_candidate(cleaned(inbound))
        if found is None:
            return None
        return self._if_current(found, self.cache.generations.fresh(found[2]))

    async def _kept(self, inbound: Inbound) -> Reply | None:
        """The answer kept in memory for this request, when it is exactly what the database would
        give now (bot/groups/cache.py); None sends the request the usual way."""
        cache = self.cache
        assert cache is not None
        found = self._kept_candidate(inbound)
        if found is None:
            return await self._kept_for_someone_new(inbound)
        generation = cache.generations.fresh(found[2])
        if generation is None:
            try:
                generation = await cache.generations.current()
            except Exception as exc:  # noqa: BLE001 - the usual way will meet and report the same trouble
                log.warning("cache check failed: %s", type(exc).__name__)
                return None
        reply = self._if_current(found, generation)
        if reply is None and generation is not None and found[1].listing == generation[0]:
            # The listing is current, the person's facts are not (someone's changed): read theirs.
            return await self._kept_for_someone_new(inbound)
        return reply

    async def _kept_for_someone_new(self, inbound: Inbound) -> Reply | None:
        """A kept listing for someone this process holds nothing current about: their kept facts
        and the generation in one plain statement, then the listing if it is still current."""
        cache = self.cache
        assert cache is not None
        command = self._asks_listing(inbound)
        if command is None or not cache.any_listing(command.query):
            return None
        actor = inbound.actor
        try:
            async with cache.generations.engine.connect() as conn:
                row = (await conn.execute(KNOWN_FACTS, {"platform": actor.platform, "tenant": actor.tenant, "user_id": actor.user_id})).first()
                await conn.rollback()
        except Exception as exc:  # noqa: BLE001 - the usual way will meet and report the same trouble
            log.warning("cache check failed: %s", type(exc).__name__)
            return None
        if row is None or row[4] is None or row[5] is None:
            return None  # a first contact, or no counter
        person_id, language, timezone, has_email = row[0], row[1], row[2], bool(row[3])
        generation = (int(row[4]), int(row[5]))
        roster = (row[6], row[7], row[8])
        own = own_groups(row[9])
        if inbound.profile is not None and inbound.profile.email and not has_email:
            return None  # identifying them would fill in their e-mail
        cache.generations.saw(generation)
        cache.remember_person(actor, Known(person_id, language, timezone, has_email, roster, generation[1], own, generation[0]))
        kept = self._kept_listing(inbound, language, timezone, roster)
        if kept is None or kept[0].listing != generation[0]:
            return None
        cache.hits += 1
        return cache.personal(kept[0].reply, own)

    def _kept_candidate(self, inbound: Inbound) -> tuple[Known, KeptListing, datetime] | None:
        """The person and the listing kept for this request, still to be checked against the
        current generation; None when the request is not one a kept answer can serve."""
        cache = self.cache
        assert cache is not None
        known = cache.person(inbound.actor)
        if known is None:
            return None
        if inbound.profile is not None and inbound.profile.email and not known.has_email:
            return None  # identifying them would fill in their e-mail
        kept = self._kept_listing(inbound, known.language, known.timezone, known.roster)
        if kept is None:
            return None
        return known, kept[0], kept[1]

    def _kept_listing(self, inbound: Inbound, language: str, timezone: str | None, roster: tuple) -> tuple[KeptListing, datetime] | None:
        """The listing kept for what this request asks, in this language and zone, if it still
        holds at this moment (its generation is for the caller to check)."""
        cache = self.cache
        assert cache is not None
        command = self._asks_listing(inbound)
        if command is None:
            return None
        now = self.clock()
        offered = cache.offered(roster, now.astimezone(self.settings.timezone).date())
        if offered is None:
            return None
        kept = cache.listing(cache.listing_key(command.query, language, timezone, offered))
        if kept is None:
            return None
        if now >= kept.until:
            return None
        return kept, now

    def _if_current(self, found: tuple[Known, KeptListing, datetime], generation: tuple[int, int] | None) -> Reply | None:
        known, kept, _ = found
        if generation is None or kept.listing != generation[0] or known.people != generation[1] or known.listing != generation[0]:
            return None
        assert self.cache is not None
        self.cache.hits += 1
        return self.cache.personal(kept.reply, known.own_groups)

    async def _handle(self, session: AsyncSession, inbound: Inbound) -> Reply:
        now = self.clock()
        today = now.astimezone(self.settings.timezone).date()
        found = await identify_with_roles(session, inbound.actor, inbound.profile, inbound.locale, today)
        if found.forgotten_email is not None:
            # Someone who ran forget-me: asked whether to be known again, nothing stored before.
            from bot.people.known_again import answer as forgotten_answer

            return await forgotten_answer(session, inbound, found, today)
        person = found.person
        if found.changed:
            # Whatever identifying the person wrote is committed on its own, so the action that
            # follows (an anonymous concern above all) never shares a transaction with it. A
            # person already known wrote nothing, and an empty commit would only cost round trips.
            await session.commit()
        generation = found.generation
        if self.cache is not None and generation is not None and not found.changed:
            roster = (person.job_role, person.site, person.start_date)
            self.cache.generations.saw(generation)
            self.cache.remember_person(
                inbound.actor,
                Known(person.id, person.language, person.timezone, person.email is not None, roster, generation[1], found.own_groups, generation[0]),
            )
            # Someone not kept (or kept before a change to people) asking for a kept listing:
            # the generation read with them says whether it is still the database's.
            kept = self._kept_listing(inbound, person.language, person.timezone, roster)
            if kept is not None and kept[0].listing == generation[0]:
                self.cache.hits += 1
                return self.cache.personal(kept[0].reply, found.own_groups)
        turn = Turn(
            session=session,
            person=person,
            roles=found.roles,
            t=Translator(person.language),
            now=now,
            settings=self.settings,
            inbound=inbound,
            memory=self.memory,
            generation=generation if not found.changed else None,
            cache=self.cache,
            own_groups=found.own_groups if found.generation is not None and not found.changed else None,
        )
        if inbound.event:
            handler = registry.events().get(inbound.event)
            if handler is None:
                return Reply(text="", refused=True)
            return await handler(turn) or Reply(text="")
        if inbound.form is not None:
            form_handler = registry.forms().get(inbound.form.form_id)
            if form_handler is None:
                return turn.refuse("errors.unknown_form")
            return await form_handler(inbound.form.values, inbound.form.context, turn)
        if inbound.action is not None:
            if inbound.action.action_id != RUN_COMMAND:
                return turn.refuse("errors.unknown_action")
            return await run_text(inbound.action.value, turn)
        return await run_text(inbound.text or "", turn)


def command_word(inbound: Inbound) -> str:
    """The first word of what was asked, for the metrics (bot.metrics keeps only known words)."""
    if inbound.event:
        return "event"
    if inbound.form is not None:
        return "form"
    if inbound.action is not None:
        if inbound.action.action_id != RUN_COMMAND:
            return "button"
        text = inbound.action.value
    else:
        text = inbound.text or ""
    # The first word is all a label needs: a plain split, cheaper than the parser's tokenizer.
    words = normalise(text[:200]).split(None, 1)
    if not words:
        return "empty"
    word = words[0].lower()
    return first_word(word)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached (rather than a bug of ours)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError, OSError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # asyncpg's own connection errors reach us unwrapped when a pooled connection dies mid-use.
    return type(exc).__module__.startswith("asyncpg") and "Connection" in type(exc).__name__


async def _quiet_rollback(session: AsyncSession) -> None:
    """Roll back; on a connection that is already gone there is nothing to roll back."""
    try:
        await session.rollback()
    except Exception as exc:  # noqa: BLE001 - the reply already says what happened
        log.debug("rollback after a failure failed too: %s", type(exc).__name__)


async def run_text(text: str, turn: Turn) -> Reply:
    """Parse words and run the command they name, as the person in `turn`."""
    parsed = parse(text, registry.all_specs())
    if isinstance(parsed, Refusal):
        return refusal_reply(parsed, turn)
    return await run_command(parsed, turn)


async def run_command(command: Command, turn: Turn) -> Reply:
    handler = registry.handlers()[type(command)]
    return await handler(command, turn)
