"""What the `onboarding` commands do: a person's own view and control of their welcome messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cards import card_reply
from bot.onboarding.commands import ResumeOnboarding, ShowOnboarding, StopOnboarding
from bot.onboarding.journeys import KIND, queue_due, step_key, stop_journey
from bot.onboarding.messages import STOP_COMMAND
from bot.onboarding.steps import steps_of
from bot.parsing import line
from bot.turn import Turn
from bot.types import Button, Card, Fact, Reply
from storage.models import OnboardingJourney, OutboxItem


async def _journey(turn: Turn, lock: bool = False) -> OnboardingJourney | None:
    # Locked when it is about to change, so the scheduled job cannot queue a step in between.
    return await turn.session.get(OnboardingJourney, turn.person.id, with_for_update=lock or None)


async def show_onboarding(cmd: ShowOnboarding, turn: Turn) -> Reply:
    t = turn.t
    journey = await _journey(turn)
    if journey is None:
        return turn.reply("onboarding.none")
    steps = steps_of(turn.settings.district)
    states = dict(
        (
            await turn.session.execute(
                select(OutboxItem.key, OutboxItem.state).where(OutboxItem.person_id == turn.person.id, OutboxItem.kind == KIND)
            )
        ).all()
    )
    fields = []
    for position, step in enumerate(steps):
        on = journey.anchor_on + timedelta(days=step.day)
        state = states.get(step_key(turn.person.id, step))
        # A step before `steps_queued` with no outbox item left was delivered and tidied away:
        # withdrawing a step moves `steps_queued` back to it.
        if state == "sent" or (state is None and position < journey.steps_queued):
            value = t("onboarding.state_sent")
        elif state == "queued":
            value = t("onboarding.state_queued")
        elif state is not None:
            value = t("onboarding.state_undelivered")
        elif journey.stopped_at is not None:
            value = t("onboarding.state_not_sent")
        else:
            value = t("onboarding.state_planned", date=on.isoformat())
        what = t(f"onboarding.{step.name}_what") if step.built_in else step.name
        fields.append(Fact(t("onboarding.step_label", day=step.day, what=what), value))
    stopped = journey.stopped_at is not None
    button = Button(t("onboarding.button_resume"), line(ResumeOnboarding())) if stopped else Button(t("onboarding.button_stop"), STOP_COMMAND)
    return card_reply(
        Card(
            title=t("onboarding.status_title"),
            body=t("onboarding.status_off" if stopped else "onboarding.status_on"),
            fields=tuple(fields),
            actions=(button,),
        )
    )


async def stop_onboarding(cmd: StopOnboarding, turn: Turn) -> Reply:
    journey = await _journey(turn, lock=True)
    if journey is None:
        # Recorded as a journey that is already stopped, so none is ever started for them later.
        journey = OnboardingJourney(
            person_id=turn.person.id, anchor_on=turn.today, source=turn.inbound.actor.platform[:16], steps_queued=0, started_at=turn.now, stopped_at=turn.now
        )
        turn.session.add(journey)
        return turn.reply("onboarding.stopped")
    if journey.stopped_at is not None:
        return turn.reply("onboarding.already_stopped")
    await stop_journey(turn.session, turn.settings, journey, turn.now)
    return turn.reply("onboarding.stopped")


async def resume_onboarding(cmd: ResumeOnboarding, turn: Turn) -> Reply:
    journey = await _journey(turn, lock=True)
    if journey is None:
        return turn.reply("onboarding.none")
    if journey.stopped_at is None:
        return turn.reply("onboarding.already_on")
    journey.stopped_at = None
    await queue_due(turn.session, turn.settings, turn.now, [(journey, turn.person)])
    return turn.reply("onboarding.resumed")


HANDLERS = {ShowOnboarding: show_onboarding, StopOnboarding: stop_onboarding, ResumeOnboarding: resume_onboarding}
