"""The console adapter: the bot in a terminal, and the test backend shipped with the bot."""

from adapters.console.chat import PLATFORM, TENANT, ConsoleChat, console_user, stdin_lines
from adapters.console.render import Rendered, render

__all__ = ["PLATFORM", "TENANT", "ConsoleChat", "Rendered", "console_user", "render", "stdin_lines"]
