"""The `affinity-bot` command line: serve, chat, demo, and the admin's tools."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from bot.config import ConfigError, Settings


def _settings() -> Settings:
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)
    settings = Settings.from_env(os.environ)
    from bot.bootstrap import configure_logs

    configure_logs(settings)
    return settings


def _run(coro_factory) -> None:
    """Run an async command; a setting or input problem ends with its one sentence."""
    try:
        settings = _settings()
        code = asyncio.run(coro_factory(settings))
    except ConfigError as exc:
        click.echo(f"affinity-bot: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)


@click.group(help="Affinity Bot: a school district's affinity groups in Slack, Teams and the terminal.")
def main() -> None:
    pass


@main.command(help="Serve Slack (/slack/events) and Teams (/api/messages) over HTTP, with the scheduler.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--no-scheduler", is_flag=True, help="Do not run scheduled jobs here (for extra web replicas).")
def serve(host: str, no_scheduler: bool) -> None:
    from bot.bootstrap import open_runtime, serve as run_server

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            await run_server(runtime, host=host, scheduler=not no_scheduler)
        finally:
            await runtime.close()
        return 0

    _run(go)


@main.command(help="Talk to the bot in this terminal (reads one command per line when piped).")
@click.option("--as", "who", default=None, help="Who you are: a roster e-mail or name (default: your login name).")
@click.option("--role", "roles", multiple=True, help="Grant yourself a role first: admin, dei_office, or facilitator:<group>.")
def chat(who: str | None, roles: tuple[str, ...]) -> None:
    from bot.bootstrap import chat as run_chat, open_runtime

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            await run_chat(runtime, who or os.environ.get("USER") or "me", roles)
        finally:
            await runtime.close()
        return 0

    _run(go)


@main.command(help="Load a sample district (8 groups, 40 staff, 5 sites) and open the chat.")
@click.option("--as", "who", default=None, help="Who you are in the demo (default: Maria Lopez, a new teacher).")
@click.option("--role", "roles", multiple=True, help="Grant yourself a role first: admin, dei_office, or facilitator:<group>.")
def demo(who: str | None, roles: tuple[str, ...]) -> None:
    from bot.bootstrap import chat as run_chat, open_runtime, seed_demo
    from bot.demo import DEMO_PERSON

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            created = await seed_demo(runtime, Path.cwd())
            banner = (
                "Loaded the sample district." if created else "The sample district is already loaded."
            ) + " You are Maria Lopez, a teacher who started 12 days ago at Lincoln Elementary.\n" + \
                "Try: groups · groups info lgbtq-educators · groups join new-teachers · groups mine · privacy\n" + \
                "Others to be: --as jordan.reyes@district.example (a facilitator), --as dana.whitfield@district.example (DEI office), --as sam.okafor@district.example (admin)."
            await run_chat(runtime, who or DEMO_PERSON, roles, banner=banner if who is None else "")
        finally:
            await runtime.close()
        return 0

    _run(go)


@main.command(help="Check every setting, the database, Slack and Teams; prints a checklist, exit status 0 only when all pass.")
def doctor() -> None:
    from dotenv import load_dotenv

    from bot.bootstrap import doctor as examine

    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        text, code = asyncio.run(examine(dict(os.environ)))
    except KeyboardInterrupt:
        sys.exit(130)
    click.echo(text)
    sys.exit(code)


@main.group(help="Staff provisioned from the district's identity system (SCIM).")
def provisioning() -> None:
    pass


@provisioning.command("status", help="The last SCIM request, what the last day created, updated and ended, and the last errors.")
def provisioning_status() -> None:
    from bot.bootstrap import open_runtime, provisioning_status as read_status

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            click.echo(await read_status(runtime))
        finally:
            await runtime.close()
        return 0

    _run(go)


@main.group(help="Database tasks.")
def db() -> None:
    pass


@db.command("upgrade", help="Create or update the database schema (SQLite also does this on first use).")
def db_upgrade() -> None:
    from bot.bootstrap import upgrade_database

    async def go(settings: Settings) -> int:
        revision = await upgrade_database(settings)
        click.echo(f"The database is at schema revision {revision}.")
        return 0

    _run(go)


@db.command("backup", help="Copy the database to FILE while the bot runs (SQLite); for PostgreSQL, print the pg_dump command.")
@click.argument("path", type=click.Path(dir_okay=False))
def db_backup(path: str) -> None:
    from bot.bootstrap import backup_database

    async def go(settings: Settings) -> int:
        done = await backup_database(settings, Path(path))
        click.echo(done.message, err=not done.ok)
        return 0 if done.ok else 1

    _run(go)


@db.command("restore", help="Replace the database with the backup in FILE (stop `serve` first); for PostgreSQL, print the pg_restore command.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def db_restore(path: str, yes: bool) -> None:
    from bot.bootstrap import restore_database

    async def go(settings: Settings) -> int:
        if not settings.database_url.startswith("postgresql") and not yes:
            if not sys.stdin.isatty():
                raise ConfigError("db restore replaces everything in the database: stop `serve`, then run it again with --yes.")
            click.confirm(f"Replace everything in {settings.database_url} with {path}? Stop `serve` first.", abort=True)
        done = await restore_database(settings, Path(path))
        click.echo(done.message, err=not done.ok)
        return 0 if done.ok else 1

    _run(go)


@main.group(name="import", help="Import the district's groups (YAML) or staff roster (CSV); all or nothing.")
def import_() -> None:
    pass


def _import(kind: str, path: str) -> None:
    from bot.bootstrap import open_runtime
    from bot.imports import import_groups, import_roster

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            async with runtime.sessions() as session:
                reader = import_groups if kind == "groups" else import_roster
                result = await reader(session, Path(path), runtime.today(), runtime.now())
                if not result.ok:
                    await session.rollback()
                    for problem in result.problems[:50]:
                        click.echo(str(problem), err=True)
                    more = result.problem_count - min(len(result.problems), 50)
                    if more > 0:
                        click.echo(f"… and {more:,} more problems.", err=True)
                    click.echo(f"Nothing was imported: fix the {result.problem_count:,} problem(s) above and run the import again.", err=True)
                    return 1
                await session.commit()
            click.echo(f"Imported {path}: {result.created} new, {result.updated} updated.")
            if result.left_out:
                from bot.catalogue import Translator, language_for

                # The terminal's language (LANG=es_MX.UTF-8 reads Spanish); the count only, never who.
                t = Translator(language_for(os.environ.get("LANG", "").split(".")[0]))
                click.echo(t("imports.left_out_" + kind, count=f"{result.left_out:,}"))
            return 0
        finally:
            await runtime.close()

    _run(go)


@import_.command("groups", help="Create or update groups from a YAML file (see docs/import-formats.md).")
@click.argument("path", type=click.Path(dir_okay=False))
def import_groups_cmd(path: str) -> None:
    _import("groups", path)


@import_.command("roster", help="Create or update staff from a CSV file (see docs/import-formats.md).")
@click.argument("path", type=click.Path(dir_okay=False))
def import_roster_cmd(path: str) -> None:
    _import("roster", path)


@main.group(help="Grant, revoke and list roles (facilitator of a group, dei_office, admin).")
def roles() -> None:
    pass


def _role_change(grant_it: bool, who: str, role: str, group: str | None) -> None:
    from bot.bootstrap import open_runtime
    from bot.people.grants import grant, revoke

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            async with runtime.sessions() as session:
                if grant_it:
                    outcome = await grant(session, who, role, group, runtime.now(), runtime.today())
                else:
                    outcome = await revoke(session, who, role, group, runtime.now())
                if outcome.ok:
                    await session.commit()
                    click.echo(outcome.message)
                    return 0
                click.echo(f"Nothing was changed: {outcome.message}", err=True)
                return 1
        finally:
            await runtime.close()

    _run(go)


@roles.command("grant", help="Give PERSON (their e-mail from the roster) a ROLE: facilitator (with --group), dei_office or admin.")
@click.argument("person")
@click.argument("role")
@click.option("--group", default=None, help="The group, for the facilitator role.")
def roles_grant(person: str, role: str, group: str | None) -> None:
    _role_change(True, person, role, group)


@roles.command("revoke", help="Take a ROLE away from PERSON (their e-mail from the roster).")
@click.argument("person")
@click.argument("role")
@click.option("--group", default=None, help="The group, for the facilitator role.")
def roles_revoke(person: str, role: str, group: str | None) -> None:
    _role_change(False, person, role, group)


@roles.command("list", help="Everyone who holds a role.")
def roles_list() -> None:
    from bot.bootstrap import open_runtime
    from bot.people.grants import list_grants

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            async with runtime.sessions() as session:
                rows = await list_grants(session)
            if not rows:
                click.echo("Nobody holds a role yet. Grant one with `affinity-bot roles grant <e-mail> admin`.")
            for name, email, role, slug in rows:
                click.echo(f"{role:12} {slug or '(district)':24} {name} <{email}>")
            return 0
        finally:
            await runtime.close()

    _run(go)


@main.group(help="The outbox of proactive messages: its health, and delivering it by hand.")
def outbox() -> None:
    pass


@outbox.command("status", help="Counts by kind and state, and the dead and unreachable items (ids, ages and errors only).")
def outbox_status_cmd() -> None:
    from bot.bootstrap import delivery_holds, open_runtime, outbox_status

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            for line in (await outbox_status(runtime)).lines():
                click.echo(line)
            holds = await delivery_holds(runtime)
            if holds:
                click.echo("")
                for line in holds:
                    click.echo(line)
            return 0
        finally:
            await runtime.close()

    _run(go)


@outbox.command("drain", help="Deliver what is due now through Slack and Teams, as `serve` does, then stop (see docs/delivery.md).")
@click.option("--until-empty", is_flag=True, help="Also wait for retries and interrupted sends that come due within --max-wait.")
@click.option("--max-wait", default=600.0, show_default=True, type=click.FloatRange(min=0), help="Seconds --until-empty waits for the next item at most.")
@click.option("--batch", default=None, type=click.IntRange(min=1), help="Items claimed per pass (default 200).")
@click.option("--concurrency", default=None, type=click.IntRange(min=1), help="Sends in flight at once (default 32).")
@click.option("--lease", default=None, type=click.FloatRange(min=0.5), hidden=True, help="Seconds a claim lasts, renewed while sending (default 60); tests shorten it.")
def outbox_drain_cmd(until_empty: bool, max_wait: float, batch: int | None, concurrency: int | None, lease: float | None) -> None:
    from bot.bootstrap import drain_outbox, open_runtime

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            drained = await drain_outbox(runtime, until_empty=until_empty, batch=batch, concurrency=concurrency, lease=lease, max_wait=max_wait)
        finally:
            await runtime.close()
        counts = drained.counts
        delivered = counts.get("sent", 0) + counts.get("found", 0)
        retrying = counts.get("retry", 0) + counts.get("failed", 0)
        click.echo(
            f"Delivered {delivered}; {retrying} to try again, {counts.get('dead', 0)} dead, {counts.get('unreachable', 0)} unreachable; "
            f"{drained.waiting} still queued for later."
        )
        return 0

    _run(go)


@main.group(help="Slack tools.")
def slack() -> None:
    pass


@slack.command("manifest", help="Print the Slack app manifest with this bot's URLs filled in (see docs/slack.md).")
@click.option("--url", default=None, help="The bot's public address, e.g. https://bot.your-district.org.")
@click.option("--socket-mode", is_flag=True, help="For Socket Mode (SLACK_APP_TOKEN): no public URL needed.")
def slack_manifest(url: str | None, socket_mode: bool) -> None:
    from bot.bootstrap import slack_manifest as build

    try:
        click.echo(build(url, socket_mode), nl=False)
    except ConfigError as exc:
        click.echo(f"affinity-bot: {exc}", err=True)
        sys.exit(2)


@main.group(help="Microsoft Teams tools.")
def teams() -> None:
    pass


@teams.command("package", help="Write the Teams app package (manifest.json and icons) to upload in Teams (see docs/teams.md).")
@click.option("--app-id", required=True, help="The bot's Microsoft app id (a GUID), as MICROSOFT_APP_ID.")
@click.option("--domain", default=None, help="The host the bot is served from, e.g. affinity.your-district.org.")
@click.option("--website", default=None, help="An https:// page about the bot for staff (default: https://<domain>/).")
@click.option("--out", default="affinity-teams.zip", show_default=True, type=click.Path(dir_okay=False), help="Where to write the zip.")
def teams_package(app_id: str, domain: str | None, website: str | None, out: str) -> None:
    from bot.bootstrap import teams_package as write

    try:
        manifest = write(app_id, Path(out), domain=domain, website=website)
    except ConfigError as exc:
        click.echo(f"affinity-bot: {exc}", err=True)
        sys.exit(2)
    commands = sum(len(c["commands"]) for c in manifest["bots"][0]["commandLists"])
    click.echo(f"Wrote {out} (manifest {manifest['manifestVersion']}, {commands} suggested commands). Upload it in Teams: Apps, Manage your apps, Upload an app.")


@main.command(help="The DEI office's concern digest of the last full week: --dry-run prints it, otherwise it is sent to the DEI office now.")
@click.option("--dry-run", is_flag=True, help="Only print the digest; send nothing.")
def digest(dry_run: bool) -> None:
    from bot.bootstrap import open_runtime
    from bot.concerns.digest import run_digest

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            async with runtime.sessions() as session:
                text, ok = await run_digest(session, settings, runtime.now(), dry_run=dry_run)
                await session.commit()
            click.echo(text, err=not ok)
            return 0 if ok else 1
        finally:
            await runtime.close()

    _run(go)


@main.command(help="Mentor matching now: --dry-run prints every proposed pair with its score and reasons; otherwise the pairs are offered.")
@click.option("--dry-run", is_flag=True, help="Only print the plan; offer nothing.")
def match(dry_run: bool) -> None:
    from bot.bootstrap import match_mentors, open_runtime

    async def go(settings: Settings) -> int:
        runtime = await open_runtime(settings)
        try:
            click.echo(await match_mentors(runtime, dry_run=dry_run))
            return 0
        finally:
            await runtime.close()

    _run(go)


if __name__ == "__main__":
    main()
