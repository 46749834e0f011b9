"""`affinity-bot provisioning status`: the last SCIM request, what the last day created, updated
and ended, and the last errors — from `provisioning_event`, which holds no personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProvisioningEvent

LAST_ERRORS = 5


async def status(session: AsyncSession, now: datetime, scim_served: bool) -> str:
    lines = ["SCIM at /scim/v2/: " + ("served (AFFINITY_SCIM_TOKEN is set)." if scim_served else "not served (AFFINITY_SCIM_TOKEN is not set).")]
    last = (await session.execute(select(ProvisioningEvent).order_by(ProvisioningEvent.at.desc(), ProvisioningEvent.id.desc()).limit(1))).scalar_one_or_none()
    if last is None:
        lines.append("Last request: none yet.")
    else:
        lines.append(f"Last request: {last.at:%Y-%m-%d %H:%M:%S} UTC, {last.method} {last.resource}, {last.status}.")
    since = now - timedelta(days=1)
    counts = dict(
        (await session.execute(
            select(ProvisioningEvent.outcome, func.count()).where(ProvisioningEvent.at >= since).group_by(ProvisioningEvent.outcome)
        )).all()
    )
    lines.append(
        "Last 24 hours: {created} created, {updated} updated, {ended} ended, {acknowledged} acknowledged without storing (forget-me), "
        "{error} refused.".format(**{k: counts.get(k, 0) for k in ("created", "updated", "ended", "acknowledged", "error")})
    )
    errors = (
        await session.execute(
            select(ProvisioningEvent).where(ProvisioningEvent.outcome == "error").order_by(ProvisioningEvent.at.desc(), ProvisioningEvent.id.desc()).limit(LAST_ERRORS)
        )
    ).scalars().all()
    if errors:
        lines.append("Last errors:")
        lines.extend(f"  {e.at:%Y-%m-%d %H:%M:%S} UTC  {e.method} {e.resource}  {e.status}" + (f" {e.scim_type}" if e.scim_type else "") for e in errors)
    return "\n".join(lines)
