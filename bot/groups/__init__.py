"""Groups: discovering, joining by one's own choice, leaving, and facilitating."""

from bot.features import Feature
from bot.groups.commands import SPECS
from bot.groups.handlers import HANDLERS

FEATURE = Feature(name="groups", specs=SPECS, handlers=HANDLERS)
