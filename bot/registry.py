"""The features the bot is made of, in one table, as cosmicpython registers its handlers."""

from __future__ import annotations

from functools import lru_cache

from bot.features import Choices, EventHandler, Feature, FormHandler, Handler, Job
from bot.parsing import Spec


@lru_cache(maxsize=1)
def features() -> tuple[Feature, ...]:
    from bot import announcements, concerns, groups, help, home, intros, meetings, mentoring, onboarding, people, reports

    return (help.FEATURE, groups.FEATURE, people.FEATURE, home.FEATURE, reports.FEATURE, concerns.FEATURE, onboarding.FEATURE, announcements.FEATURE, meetings.FEATURE, mentoring.FEATURE, intros.FEATURE)


@lru_cache(maxsize=1)
def all_specs() -> tuple[Spec, ...]:
    return tuple(spec for feature in features() for spec in feature.specs)


@lru_cache(maxsize=1)
def handlers() -> dict[type, Handler]:
    return {cls: fn for feature in features() for cls, fn in feature.handlers.items()}


@lru_cache(maxsize=1)
def forms() -> dict[str, FormHandler]:
    return {form_id: fn for feature in features() for form_id, fn in feature.forms.items()}


@lru_cache(maxsize=1)
def choices() -> dict[tuple[str, str], Choices]:
    """The searchable inputs of every feature's forms, by (form id, input name)."""
    return {key: fn for feature in features() for key, fn in feature.choices.items()}


@lru_cache(maxsize=1)
def dialog_forms() -> dict[str, str]:
    """Form id → the command that opens it, for forms taken only in a dialog (Reply.dialog)."""
    return {form_id: command for feature in features() for form_id, command in feature.dialog_forms.items()}


@lru_cache(maxsize=1)
def events() -> dict[str, EventHandler]:
    return {name: fn for feature in features() for name, fn in feature.events.items()}


@lru_cache(maxsize=1)
def jobs() -> dict[str, Job]:
    """Every feature's scheduled jobs, named `feature.job`."""
    return {f"{feature.name}.{name}": fn for feature in features() for name, fn in feature.jobs.items()}
