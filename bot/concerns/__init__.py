"""Anonymous concerns: filing with a case code, following up, the DEI office's handling and digest."""

from bot.concerns.commands import FILE_DIALOG, FILE_FORM, SPECS, STATUS_DIALOG, STATUS_FORM
from bot.concerns.dei_office import queue_escalations, queue_notices
from bot.concerns.digest import HANDLERS as DIGEST_HANDLERS, queue_digest
from bot.concerns.handlers import CHOICES, FORMS, HANDLERS
from bot.features import Feature

FEATURE = Feature(
    name="concerns",
    specs=SPECS,
    handlers={**HANDLERS, **DIGEST_HANDLERS},
    forms=FORMS,
    choices=CHOICES,
    dialog_forms={FILE_FORM: FILE_DIALOG, STATUS_FORM: STATUS_DIALOG},
    jobs={"notices": queue_notices, "escalations": queue_escalations, "digest": queue_digest},
)

__all__ = ["FEATURE", "FILE_FORM"]
