"""Teams refuses a bot message over about 40 KB: every message the bot posts stays under the limit,
and a long answer goes as several messages, with nothing cut and no button or input lost."""

from __future__ import annotations

import json

import yaml

from adapters.teams.cards import MESSAGE_LIMIT, measure, messages
from bot.bootstrap import Runtime
from bot.imports.groups_file import import_groups
from bot.types import Button, Card, Fact, Form, Input, Reply
from tests.adapters.teams.replies import buttons, card_of, elements, text_of

#: What the SDK adds when it sends (conversation, bot, person, service URL, reply-to ids).
ADDRESSING = 2_000
#: Teams' own limit.
TEAMS_LIMIT = 40 * 1024


def utf16(body) -> int:
    return len(json.dumps(body, ensure_ascii=False).encode("utf-16-le"))


async def sixty_long_groups(runtime: Runtime, tmp_path) -> list[dict]:
    words = "Educadores bilingües y familias — apoyo, mentoría y comunidad 🌎 para el personal del distrito. "
    groups = [
        {
            "slug": f"group-{n:02d}",
            "name": f"Group {n:02d}: {'Bilingual and Multilingual Educators, Paraprofessionals and Family Liaisons Network '[: 150]}",
            "description": (f"Group {n:02d}. " + words * 40)[:2000],
            "join": "open",
        }
        for n in range(60)
    ]
    path = tmp_path / "groups.yml"
    path.write_text(yaml.safe_dump({"groups": groups}, allow_unicode=True), encoding="utf-8")
    async with runtime.sessions() as session:
        result = await import_groups(session, path, runtime.today(), runtime.now())
        assert not result.problems
        await session.commit()
    return groups


async def test_groups_in_a_district_of_sixty_long_groups_is_paged_within_the_limit(teams, district, tmp_path):
    groups = await sixty_long_groups(district, tmp_path)
    sent = await teams.say("groups")

    assert len(sent) > 1
    for call in sent:
        assert utf16(call.body) <= MESSAGE_LIMIT + ADDRESSING < TEAMS_LIMIT
        assert card_of(call) is not None, "each part is a card with its buttons, not a giant text"
    # Nothing is cut: every group shown is there in full, with its buttons, in order.
    text = "\n".join(text_of(c) for c in sent)
    shown = [g for g in groups if g["name"] in text]
    assert len(shown) >= 5  # the listing shows ten groups, the demo district's first by name
    for group in shown:
        assert group["description"] in text
    labels = [e["title"] for c in sent for e in elements(card_of(c)) if e.get("type") == "Action.Submit"]
    assert labels.count("Join") == 10
    titles = [card_of(c)["body"][0]["text"] for c in sent]
    assert titles[0].endswith(f"(1/{len(sent)})") and titles[-1].endswith(f"({len(sent)}/{len(sent)})")


def test_a_long_plain_text_is_split_between_lines_within_the_limit():
    lines = [f"{n:04d} · Línea con acentos y emoji 🌎 que se repite para llenar el mensaje de texto." for n in range(2000)]
    parts = messages(Reply(text="\n".join(lines)))
    assert len(parts) > 1
    assert all(measure(p) <= MESSAGE_LIMIT and utf16(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n\n".join(p["text"] for p in parts) == "\n\n".join(lines)


def test_one_enormous_line_is_split_between_words_and_characters():
    text = "palabra " * 20_000 + "x" * 30_000
    parts = messages(Reply(text=text))
    assert all(measure(p) <= MESSAGE_LIMIT for p in parts)
    assert "".join(p["text"] for p in parts) == text


def test_a_card_that_fits_stays_one_message_with_its_whole_text():
    reply = Reply(text="Few\nOne", card=Card(title="Few", body="One", actions=(Button("Go", "help"),)))
    [part] = messages(reply)
    assert part["attachments"][0]["content"]["fallbackText"] == "Few\nOne"
    assert measure(part) <= MESSAGE_LIMIT


def test_a_card_split_keeps_its_facts_buttons_and_form_on_the_last_part():
    sections = tuple(Card(title=f"Part {n}", body="ü" * 1500, fields=(Fact("n", str(n)),), actions=(Button(f"Open {n}", f"groups info g{n}"),)) for n in range(30))
    form = Form("groups.pick", "Pick one", "Send", (Input("note", "A note", hint="Anything"),))
    card = Card(title="Many", body="Intro", sections=sections, actions=(Button("More", "groups list"),), form=form)
    parts = messages(Reply(text="ignored when split", card=card))
    assert len(parts) > 1 and all(measure(p) <= MESSAGE_LIMIT for p in parts)
    contents = [p["attachments"][0]["content"] for p in parts]
    assert [b for c in contents for b in buttons(c)] == [f"Open {n}" for n in range(30)] + ["Send", "More"]
    assert "Intro" in contents[0]["fallbackText"]
    assert "A note" in contents[-1]["fallbackText"] and "Anything" in contents[-1]["fallbackText"]
    assert any(e.get("id") == "in.note" for e in contents[-1]["body"])


def test_a_section_too_long_for_any_card_is_split_between_its_lines():
    body = "\n".join(f"Line {n}: " + "ß" * 300 for n in range(200))
    card = Card(title="Long", sections=(Card(title="One", body=body, actions=(Button("Open", "help"),)),))
    parts = messages(Reply(text=body, card=card))
    assert len(parts) > 1 and all(measure(p) <= MESSAGE_LIMIT for p in parts)
    text = "\n".join(p["attachments"][0]["content"]["fallbackText"] for p in parts)
    assert all(f"Line {n}: " in text for n in range(200))
    assert [b for p in parts for b in buttons(p["attachments"][0]["content"])] == ["Open"]
