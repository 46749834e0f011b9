"""The Slack gateway the dispatcher uses: DMs, channels, group DMs, 429s, errors, channel membership."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.slack import BOT_NOT_IN_CHANNEL, gateway
from adapters.slack.gateway import DeliveryInDoubt
from bot.bootstrap import Runtime
from bot.cards import card_reply
from bot.types import Button, Card, ConversationRef, DeliveryResult, Image, Reply, UserRef
from tests.adapters.slack.conftest import BOT_TOKEN, SECRET, TEAM

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MARIA = UserRef("slack", TEAM, "U0MARIA")
JORDAN = UserRef("slack", TEAM, "U0JORDAN")
GROUP_CHANNEL = ConversationRef("slack", TEAM, "G0LGBTQ", "channel")


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def slack_gateway(sqlite_runtime, fake_slack):
    settings = replace(sqlite_runtime.settings, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url)
    runtime = Runtime(settings, sqlite_runtime.engine, sqlite_runtime.sessions, sqlite_runtime.bot, sqlite_runtime.clock)
    found = gateway(runtime)
    assert found is not None and found.platform == "slack"
    found.pacing.monotonic = Ticks()
    yield found
    await found.close()


def invitation() -> Reply:
    return card_reply(Card(title="You're invited to LGBTQ+ Educators", body="Jordan <facilitator> & co.", actions=(Button("Join", "groups join lgbtq-educators"),)), ephemeral=False)


async def test_no_slack_settings_no_gateway(sqlite_runtime):
    assert gateway(sqlite_runtime) is None


async def test_a_person_is_written_to_in_their_dm_with_the_bot(slack_gateway, fake_slack):
    result = await slack_gateway.send(MARIA, invitation())
    assert result.status == "sent" and result.message_ref.startswith("D0")
    opened = fake_slack.of("conversations.open")[0]
    assert opened.args["users"] == "U0MARIA" and opened.token == BOT_TOKEN
    posted = fake_slack.of("chat.postMessage")[0].args
    assert posted["channel"] == result.message_ref.split(":")[0]
    assert posted["text"] == "You're invited to LGBTQ+ Educators\nJordan &lt;facilitator&gt; &amp; co."
    assert posted["blocks"][-1]["elements"][0] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Join", "emoji": True},
        "action_id": "run:0",
        "value": "groups join lgbtq-educators",
    }
    await slack_gateway.send(MARIA, Reply(text="again", ephemeral=False))
    assert len(fake_slack.of("conversations.open")) == 1, "a DM's id is remembered"


async def test_several_people_share_one_group_dm(slack_gateway, fake_slack):
    result = await slack_gateway.send((MARIA, JORDAN), Reply(text="Meet each other!", ephemeral=False))
    assert result.status == "sent"
    assert fake_slack.of("conversations.open")[0].args["users"] == "U0JORDAN,U0MARIA"
    assert fake_slack.of("chat.postMessage")[0].args["channel"].startswith("G")


async def test_a_channel_post_goes_straight_there_and_keeps_slacks_pace(slack_gateway, fake_slack):
    first = await slack_gateway.send(GROUP_CHANNEL, Reply(text="Meeting tonight", ephemeral=False))
    assert first.status == "sent" and not fake_slack.of("conversations.open")
    assert fake_slack.of("chat.postMessage")[0].args["channel"] == "G0LGBTQ"
    second = await slack_gateway.send(GROUP_CHANNEL, Reply(text="And another", ephemeral=False))
    assert second.status == "retry_after" and 0 < second.retry_after <= 1.0
    assert len(fake_slack.of("chat.postMessage")) == 1
    slack_gateway.pacing.monotonic.now += 1.0
    assert (await slack_gateway.send(GROUP_CHANNEL, Reply(text="And another", ephemeral=False))).status == "sent"


async def test_a_thread_reply_names_its_thread(slack_gateway, fake_slack):
    thread = replace(GROUP_CHANNEL, thread_id="1764042001.000100")
    await slack_gateway.send(thread, Reply(text="In the thread", ephemeral=False))
    assert fake_slack.of("chat.postMessage")[0].args["thread_ts"] == "1764042001.000100"


async def test_a_429_becomes_retry_after_its_seconds(slack_gateway, fake_slack):
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)
    result = await slack_gateway.send(MARIA, Reply(text="hello", ephemeral=False))
    assert result == DeliveryResult.later(7.0, "ratelimited")
    assert (await slack_gateway.send(MARIA, Reply(text="hello", ephemeral=False))).status == "sent"


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("conversations.open", "account_inactive", DeliveryResult.unreachable("account_inactive")),
        ("conversations.open", "user_not_found", DeliveryResult.unreachable("user_not_found")),
        ("chat.postMessage", "channel_not_found", DeliveryResult.failed("channel_not_found")),
        ("chat.postMessage", "invalid_blocks", DeliveryResult.failed("invalid_blocks")),
        ("chat.postMessage", "not_authed", DeliveryResult.failed("not_authed")),
    ],
)
async def test_other_errors_carry_slacks_error_code(slack_gateway, fake_slack, method, error, expected):
    fake_slack.fail(method, error=error)
    assert await slack_gateway.send(MARIA, Reply(text="hello", ephemeral=False)) == expected


async def test_a_server_error_is_failed_with_its_status(slack_gateway, fake_slack):
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    result = await slack_gateway.send(GROUP_CHANNEL, Reply(text="hello", ephemeral=False))
    assert result.status == "failed" and result.error


async def test_an_unreachable_slack_is_failed_not_raised(sqlite_runtime):
    settings = replace(sqlite_runtime.settings, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url="http://127.0.0.1:9/api/")
    found = gateway(Runtime(settings, sqlite_runtime.engine, sqlite_runtime.sessions, sqlite_runtime.bot, sqlite_runtime.clock))
    result = await found.send(MARIA, Reply(text="hello", ephemeral=False))
    assert result.status == "failed" and result.error == "127.0.0.1 cannot be reached (ClientConnectorError)."


async def test_a_chart_is_uploaded_after_its_message(slack_gateway, fake_slack):
    reply = card_reply(Card(title="Membership", image=Image(png=PNG, alt="Members by month: 5, 7, 9", filename="membership.png")), ephemeral=False)
    assert (await slack_gateway.send(GROUP_CHANNEL, reply)).status == "sent"
    assert fake_slack.of("upload")[0].body == PNG
    url_call = fake_slack.of("files.getUploadURLExternal")[0].args
    assert url_call["filename"] == "membership.png" and url_call["alt_txt"] == "Members by month: 5, 7, 9"
    assert fake_slack.of("files.completeUploadExternal")[0].args["channel_id"] == "G0LGBTQ"


async def test_a_private_channel_is_kept_in_step_when_the_bot_is_in_it(slack_gateway, fake_slack):
    fake_slack.member_of.add("G0LGBTQ")
    assert (await slack_gateway.add_to_channel(GROUP_CHANNEL, MARIA)).status == "sent"
    assert fake_slack.of("conversations.invite")[0].args == {"channel": "G0LGBTQ", "users": "U0MARIA"}
    assert (await slack_gateway.remove_from_channel(GROUP_CHANNEL, MARIA)).status == "sent"
    assert fake_slack.of("conversations.kick")[0].args == {"channel": "G0LGBTQ", "user": "U0MARIA"}
    fake_slack.fail("conversations.invite", error="already_in_channel")
    assert (await slack_gateway.add_to_channel(GROUP_CHANNEL, MARIA)).status == "sent"


async def test_without_the_bot_in_the_channel_the_facilitator_must_be_told(slack_gateway, fake_slack):
    add = await slack_gateway.add_to_channel(GROUP_CHANNEL, MARIA)
    remove = await slack_gateway.remove_from_channel(GROUP_CHANNEL, MARIA)
    assert add == DeliveryResult.unreachable(BOT_NOT_IN_CHANNEL) == remove
    assert not fake_slack.of("conversations.kick")


async def test_not_a_slack_destination(slack_gateway):
    result = await slack_gateway.send(UserRef("teams", "t", "29:x"), Reply(text="hi"))
    assert result.status == "failed"


async def test_one_reply_to_many_carries_each_ones_channel_and_key(slack_gateway, fake_slack):
    reply = Reply(text="Potluck “Friday” — bring a dish\n<all welcome>", ephemeral=False)
    keys = ['announce:1:"quoted"', "announce:2:é\\"]
    for to, key in zip((MARIA, JORDAN), keys):
        assert (await slack_gateway.send(to, reply, key=key)).status == "sent"
    thread = replace(GROUP_CHANNEL, thread_id="1764042001.000100")
    assert (await slack_gateway.send(thread, reply, key="announce:3")).status == "sent"
    posts = [c.args for c in fake_slack.of("chat.postMessage")]
    opened = [c.args["users"] for c in fake_slack.of("conversations.open")]
    assert opened == ["U0MARIA", "U0JORDAN"]
    assert [p["metadata"] for p in posts] == [{"event_type": "affinity_outbox", "event_payload": {"key": k}} for k in (*keys, "announce:3")]
    assert len({p["channel"] for p in posts}) == 3 and posts[2]["channel"] == "G0LGBTQ" and posts[2]["thread_ts"] == "1764042001.000100"
    assert "thread_ts" not in posts[0] and all(p["text"] == posts[0]["text"] and p.get("blocks") == posts[0].get("blocks") for p in posts)
    assert all(p["unfurl_links"] is False and p["unfurl_media"] is False for p in posts)


async def test_a_post_whose_answer_never_came_is_in_doubt(slack_gateway, fake_slack):
    fake_slack.drop_answers_after(0)
    with pytest.raises(DeliveryInDoubt):
        await slack_gateway.send(MARIA, Reply(text="hello", ephemeral=False), key="k:1")
    fake_slack.drop_answers_after(None)
    assert (await slack_gateway.send(MARIA, Reply(text="hello", ephemeral=False), key="k:2")).status == "sent"
    assert len(fake_slack.of("conversations.open")) == 1
