"""Anonymous concerns: filing with a case code, following up, and the DEI office's handling."""

from bot.concerns.commands import FILE_FORM, SPECS
from bot.concerns.dei_office import queue_escalations, queue_notices
from bot.concerns.handlers import FORMS, HANDLERS
from bot.features import Feature

FEATURE = Feature(
    name="concerns",
    specs=SPECS,
    handlers=HANDLERS,
    forms=FORMS,
    jobs={"notices": queue_notices, "escalations": queue_escalations},
)

__all__ = ["FEATURE", "FILE_FORM"]
