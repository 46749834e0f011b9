"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from storage.models.announcements import Announcement
from storage.models.audit import AuditEntry
from storage.models.base import Base
from storage.models.concerns import Concern, ConcernMessage
from storage.models.forgotten import ForgottenEmail, InstallationSecret
from storage.models.groups import Group, GroupChannel, Membership
from storage.models.intros import IntroAvoid, IntroOptIn, IntroPair, IntroPairMember, IntroRound
from storage.models.meetings import Meeting, MeetingSkip, NudgeHorizon, NudgePlan, Rsvp
from storage.models.mentoring import MentorMatch, MentorProfile
from storage.models.onboarding import OnboardingJourney
from storage.models.outbox import OutboxItem
from storage.models.people import Person, PlatformLink, RoleGrant
from storage.models.provisioning import ProvisionedPerson, ProvisioningEvent
from storage.models.slack import SlackInstallation, SlackOAuthState, SlackRevocation
from storage.models.teams import TeamsConversation, TeamsServiceUrl

__all__ = [
    "Announcement",
    "AuditEntry",
    "Base",
    "Concern",
    "ConcernMessage",
    "ForgottenEmail",
    "Group",
    "GroupChannel",
    "InstallationSecret",
    "IntroAvoid",
    "IntroOptIn",
    "IntroPair",
    "IntroPairMember",
    "IntroRound",
    "Meeting",
    "MeetingSkip",
    "Membership",
    "MentorMatch",
    "MentorProfile",
    "NudgeHorizon",
    "NudgePlan",
    "OnboardingJourney",
    "OutboxItem",
    "Person",
    "PlatformLink",
    "ProvisionedPerson",
    "ProvisioningEvent",
    "RoleGrant",
    "Rsvp",
    "SlackInstallation",
    "SlackOAuthState",
    "SlackRevocation",
    "TeamsConversation",
    "TeamsServiceUrl",
]
