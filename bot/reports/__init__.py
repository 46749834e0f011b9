"""Reports for the DEI office: membership by month and one-year retention, k-suppressed, with charts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cards import card_reply
from bot.features import Feature
from bot.parsing import Command, command, specs_of, word
from bot.readers import choice
from bot.reports.charts import membership_chart, retention_chart
from bot.reports.figures import membership_by_month, retention
from bot.roles import DEI_OFFICE
from bot.turn import Turn
from bot.types import Card, Fact, Image, Reply

KINDS = ("membership", "retention")


@command("report", help="help.report", refusal="reports.usage", audience="dei_office")
@dataclass(frozen=True)
class ShowReport(Command):
    kind: str = word(choice(*KINDS))


async def show_report(cmd: ShowReport, turn: Turn) -> Reply:
    t = turn.t
    if not (turn.roles.dei_office or turn.roles.admin):
        return turn.needs_role(DEI_OFFICE)
    k = turn.settings.district.k
    hidden = t("reports.hidden_note", k=k)
    turn.audit("report_viewed", detail=cmd.kind)
    if cmd.kind == "membership":
        series = await membership_by_month(turn.session, turn.today, k)
        months = series[0].months if series else ()
        fields = tuple(
            Fact(s.group, ", ".join(f"{m.strftime('%Y-%m')}: {c if c is not None else t('reports.fewer', k=k)}" for m, c in zip(s.months[-3:], s.counts[-3:])))
            for s in series
        )
        title = t("reports.membership_title")
        png = membership_chart(series, title, hidden)
        alt = t("reports.membership_alt", start=months[0].strftime("%Y-%m") if months else "", end=months[-1].strftime("%Y-%m") if months else "")
    else:
        rows = await retention(turn.session, turn.today, k)
        label = t("reports.all_staff")
        fields = tuple(
            Fact(r.label or label, t("reports.retention_line", share=round(r.retained * 100), cohort=r.cohort) if r.retained is not None else t("reports.fewer", k=k))
            for r in rows
        )
        title = t("reports.retention_title")
        png = retention_chart(rows, label, title, hidden)
        alt = t("reports.retention_alt")
    return card_reply(Card(title=title, body=hidden, fields=fields, image=Image(png=png, alt=alt, filename=f"{cmd.kind}.png")))


FEATURE = Feature(
    name="reports",
    specs=specs_of(ShowReport),
    handlers={ShowReport: show_report},
)
