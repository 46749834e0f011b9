"""Peer intros: coffee-chat pairs inside a group, for members who opted in, on the group's cadence."""

from bot.features import Feature
from bot.intros.commands import SPECS
from bot.intros.handlers import HANDLERS
from bot.intros.rounds import run_intro_rounds

FEATURE = Feature(name="intros", specs=SPECS, handlers=HANDLERS, jobs={"rounds": run_intro_rounds})
