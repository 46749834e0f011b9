"""The neutral types that cross between the core and the platform adapters."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Mapping

Platform = Literal["slack", "teams", "console"]


@dataclass(frozen=True)
class UserRef:
    """A person as one platform knows them; opaque to the core beyond equality."""

    platform: str
    tenant: str
    user_id: str


@dataclass(frozen=True)
class ConversationRef:
    """Where a message was said or should go: a DM, a group DM or a channel."""

    platform: str
    tenant: str
    conversation_id: str
    kind: Literal["dm", "group", "channel"] = "dm"
    thread_id: str | None = None


@dataclass(frozen=True)
class Profile:
    """What the platform tells us about the person (may be partial)."""

    name: str | None = None
    email: str | None = None
    timezone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Action:
    """A button press: `action_id` names the kind of button, `value` what it carries."""

    action_id: str
    value: str = ""


@dataclass(frozen=True)
class FormSubmission:
    """A submitted form (Slack modal, Adaptive Card inputs, console prompts)."""

    form_id: str
    values: Mapping[str, Any]
    context: str = ""


@dataclass(frozen=True)
class Inbound:
    """What a person did: typed words, pressed a button, submitted a form, or an event happened."""

    actor: UserRef
    where: ConversationRef | None = None
    text: str | None = None
    action: Action | None = None
    form: FormSubmission | None = None
    event: str | None = None
    profile: Profile | None = None
    locale: str | None = None


# --- What the bot says -------------------------------------------------------------------------

#: action_id of a button whose value is a command line the core parses like typed text, so a
#: button can never do more than the presser could type themselves.
RUN_COMMAND = "run"


@dataclass(frozen=True)
class Button:
    label: str
    value: str
    action_id: str = RUN_COMMAND
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    """One field of a form."""

    name: str
    label: str
    kind: Literal["text", "textarea", "select", "multiselect", "number", "date", "time"] = "text"
    options: tuple[Option, ...] = ()
    required: bool = True
    max_length: int | None = None
    initial: str | tuple[str, ...] | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Form:
    form_id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]
    context: str = ""


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Image:
    """A picture attached to a card (e.g. a report chart); `alt` is its text form."""

    png: bytes
    alt: str
    filename: str = "chart.png"


@dataclass(frozen=True)
class File:
    """A file given with a reply (a person's own records): the console writes it to a path,
    Slack uploads it to the person's DM with the bot."""

    content: bytes
    filename: str
    mime: str = "application/json"


@dataclass(frozen=True)
class Card:
    title: str
    body: str = ""
    fields: tuple[Fact, ...] = ()
    actions: tuple[Button, ...] = ()
    form: Form | None = None
    image: Image | None = None
    sections: tuple["Card", ...] = ()


@dataclass(frozen=True)
class Reply:
    """The bot's answer. `text` is always a complete text form of the card."""

    text: str
    card: Card | None = None
    ephemeral: bool = True
    refused: bool = False
    file: File | None = None
    #: Set on an answer that must not stay in a chat's history (a case code, the DEI office's
    #: replies): the command that opens it again, with nothing secret in it. A platform that
    #: keeps chat history shows such an answer only in a dialog it opens with this command
    #: (Teams); Slack shows it in its modal, the console in the terminal.
    dialog: str = ""

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready form, for the outbox."""
        data = asdict(self)
        return _encode_images(data)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> "Reply":
        card = data.get("card")
        return cls(
            text=data["text"],
            card=_card_from(card) if card else None,
            ephemeral=data.get("ephemeral", True),
            refused=data.get("refused", False),
            file=_file_from(data["file"]) if data.get("file") else None,
            dialog=data.get("dialog", ""),
        )


def _file_from(data: Mapping[str, Any]) -> File:
    import base64

    return File(content=base64.b64decode(data["content"]["$b64"]), filename=data["filename"], mime=data.get("mime", "application/json"))


def _encode_images(node: Any) -> Any:
    import base64

    if isinstance(node, dict):
        return {k: _encode_images(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_encode_images(v) for v in node]
    if isinstance(node, bytes):
        return {"$b64": base64.b64encode(node).decode("ascii")}
    return node


def _card_from(data: Mapping[str, Any]) -> Card:
    import base64

    form = data.get("form")
    image = data.get("image")
    return Card(
        title=data["title"],
        body=data.get("body", ""),
        fields=tuple(Fact(**f) for f in data.get("fields", ())),
        actions=tuple(Button(**b) for b in data.get("actions", ())),
        form=Form(
            form_id=form["form_id"],
            title=form["title"],
            submit_label=form["submit_label"],
            context=form.get("context", ""),
            inputs=tuple(
                Input(**{**i, "options": tuple(Option(**o) for o in i.get("options", ())),
                         "initial": tuple(i["initial"]) if isinstance(i.get("initial"), list) else i.get("initial")})
                for i in form["inputs"]
            ),
        )
        if form
        else None,
        image=Image(png=base64.b64decode(image["png"]["$b64"]), alt=image["alt"], filename=image.get("filename", "chart.png"))
        if image
        else None,
        sections=tuple(_card_from(s) for s in data.get("sections", ())),
    )


@dataclass(frozen=True)
class DeliveryResult:
    """What a gateway says after trying to send one proactive message."""

    status: Literal["sent", "unreachable", "retry_after", "failed"]
    retry_after: float | None = None
    error: str | None = None
    message_ref: str | None = None

    @classmethod
    def sent(cls, message_ref: str | None = None) -> "DeliveryResult":
        return cls("sent", message_ref=message_ref)

    @classmethod
    def unreachable(cls, error: str | None = None) -> "DeliveryResult":
        return cls("unreachable", error=error)

    @classmethod
    def later(cls, seconds: float, error: str | None = None) -> "DeliveryResult":
        return cls("retry_after", retry_after=seconds, error=error)

    @classmethod
    def failed(cls, error: str) -> "DeliveryResult":
        return cls("failed", error=error)


#: Who a gateway sends to: one person on that platform, a channel, or several people together
#: (an intro's group DM, which the gateway opens as one conversation).
Destination = UserRef | ConversationRef | tuple[UserRef, ...]
