"""Pictures of the reports as PNG bytes (matplotlib, drawn off-screen)."""

from __future__ import annotations

import io
from typing import Sequence

from bot.reports.figures import MonthlyMembership, Retention


def _figure(width: float = 8, height: float = 4.5):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot, pyplot.subplots(figsize=(width, height), dpi=100)


def membership_chart(series: Sequence[MonthlyMembership], title: str, hidden_note: str) -> bytes:
    pyplot, (fig, ax) = _figure()
    try:
        for s in series:
            points = [(m, c) for m, c in zip(s.months, s.counts) if c is not None]
            if points:
                ax.plot([m for m, _ in points], [c for _, c in points], marker="o", label=s.group)
        ax.set_title(title)
        if series and series[0].months:
            ax.set_xlim(series[0].months[0], series[0].months[-1])
        ax.set_ylim(bottom=0, top=max([c for s in series for c in s.counts if c is not None], default=5) * 1.15 + 1)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper left", ncols=2)
        fig.text(0.01, 0.01, hidden_note, fontsize=7, color="#555555")
        fig.autofmt_xdate()
        return _png(fig)
    finally:
        pyplot.close(fig)


def retention_chart(rows: Sequence[Retention], all_staff_label: str, title: str, hidden_note: str) -> bytes:
    shown = [r for r in rows if r.retained is not None]
    pyplot, (fig, ax) = _figure(8, max(3.0, 0.4 * len(shown) + 1.5))
    try:
        labels = [r.label or all_staff_label for r in shown]
        values = [r.retained * 100 for r in shown]
        colours = ["#555555" if not r.label else "#3b6ea5" for r in shown]
        ax.barh(labels, values, color=colours)
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
        ax.set_title(title)
        ax.invert_yaxis()
        for y, v in enumerate(values):
            ax.text(v + 1, y, f"{v:.0f}%", va="center", fontsize=8)
        fig.text(0.01, 0.01, hidden_note, fontsize=7, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return _png(fig)
    finally:
        pyplot.close(fig)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
