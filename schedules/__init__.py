"""When the bot speaks unprompted: the scheduler that runs the features' jobs, and the outbox dispatcher.

`Scheduler` (schedules.scheduler) triggers the jobs every minute and drains the outbox every few
seconds; `Dispatcher` (schedules.dispatcher) delivers outbox items through the adapters'
gateways; `outbox_health` (schedules.health) is what `affinity-bot outbox status` shows.
"""

from schedules.dispatcher import Dispatcher, requeue_unreachable
from schedules.health import OutboxHealth, outbox_health
from schedules.scheduler import Scheduler

__all__ = ["Dispatcher", "OutboxHealth", "Scheduler", "outbox_health", "requeue_unreachable"]
