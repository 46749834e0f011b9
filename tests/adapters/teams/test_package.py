"""`affinity-bot teams package`: a zip Teams accepts, whose commands are the core's own words."""

from __future__ import annotations

import copy
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image

from adapters.teams.package import COMMANDS_PER_LIST, MANIFEST_VERSION, PackageError, build_manifest, check_manifest, color_icon, outline_icon
from bot.cli import main
from bot.parsing import Refusal, parse
from bot.registry import all_specs

APP_ID = "0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6"


@pytest.fixture
def package(tmp_path):
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(main, ["teams", "package", "--app-id", APP_ID, "--domain", "affinity.district.example", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_the_zip_holds_the_manifest_and_both_icons_at_its_root(package):
    manifest, files = package
    assert sorted(files) == ["color.png", "outline.png"]
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["validDomains"] == ["affinity.district.example"]
    assert check_manifest(manifest, files) == []


def test_the_icons_have_the_sizes_teams_requires(package):
    _, files = package
    color = Image.open(io.BytesIO(files["color.png"]))
    outline = Image.open(io.BytesIO(files["outline.png"]))
    assert color.size == (192, 192) and color.format == "PNG"
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    # An outline icon is white on transparent: every visible pixel is white.
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    assert any(a == 0 for *_, a in pixels)
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0)


def test_every_suggested_command_is_one_the_bot_answers(package):
    manifest, _ = package
    lists = manifest["bots"][0]["commandLists"]
    names = {spec.name for spec in all_specs() if spec.listed}
    for command_list in lists:
        assert len(command_list["commands"]) <= COMMANDS_PER_LIST
        for command in command_list["commands"]:
            assert command["title"] in names
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
            # Typed as suggested, the parser knows the words (it may ask for the rest).
            parsed = parse(command["title"], all_specs())
            assert not (isinstance(parsed, Refusal) and parsed.key.startswith("help."))
    scopes = [tuple(c["scopes"]) for c in lists]
    assert scopes == [("personal",), ("team", "groupChat")]
    # Where colleagues can read along, only finding out about groups is suggested.
    assert [c["title"] for c in lists[1]["commands"]] == ["help", "groups", "groups info"]


def test_the_personal_list_starts_with_what_everyone_may_do(package):
    manifest, _ = package
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert titles[:3] == ["help", "groups", "groups info"]
    everyone = [s.name for s in all_specs() if s.listed and s.audience == "all"]
    assert titles[: len(everyone)] == everyone[:COMMANDS_PER_LIST]


@pytest.mark.parametrize(
    ("spoil", "complaint"),
    [
        (lambda m: m["bots"][0]["commandLists"][0]["commands"].extend([{"title": "help", "description": "x"}] * 12), "at most 12"),
        (lambda m: m["bots"][0]["commandLists"][1]["commands"].append({"title": "x" * 129}), "limit is 128"),
        (lambda m: m["bots"][0]["commandLists"][1]["commands"].append({"description": "no title"}), "needs 'title'"),
        (lambda m: m["bots"][0].update(botId="not-a-guid"), "botId is not in the required form"),
        (lambda m: m["bots"][0].update(scopes=["groupchat"]), "scopes must list"),
        (lambda m: m.update(id="123"), "id is not in the required form"),
        (lambda m: m.pop("developer"), "needs 'developer'"),
        (lambda m: m["developer"].update(privacyUrl="ftp://x"), "privacyUrl is not in the required form"),
        (lambda m: m["name"].update(short="A name much longer than thirty characters"), "name.short"),
        (lambda m: m["description"].update(short="x" * 81), "description.short"),
        (lambda m: m.update(accentColor="purple"), "accentColor"),
        (lambda m: m.update(packageName="com.example.app"), "may not have 'packageName'"),
        (lambda m: m.update(manifestVersion="1.17"), "manifestVersion"),
        (lambda m: m["icons"].update(color="missing.png"), "not a PNG"),
        (lambda m: m.update(permissions=["identity", "everything"]), "permissions"),
        (lambda m: m.update(defaultInstallScope="everywhere"), "defaultInstallScope"),
    ],
)
def test_the_check_catches_what_teams_would_refuse(spoil, complaint):
    manifest = build_manifest(all_specs(), APP_ID, "affinity.district.example")
    files = {"color.png": color_icon(manifest["accentColor"]), "outline.png": outline_icon()}
    assert check_manifest(manifest, files) == []
    spoilt = copy.deepcopy(manifest)
    spoil(spoilt)
    problems = check_manifest(spoilt, files)
    assert any(complaint in p for p in problems), problems


def test_wrong_icon_sizes_are_caught():
    manifest = build_manifest(all_specs(), APP_ID, "affinity.district.example")
    problems = check_manifest(manifest, {"color.png": outline_icon(), "outline.png": outline_icon()})
    assert problems == ["icons.color must be 192x192, not 32x32"]


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--app-id", "nope"], "--app-id must be the bot's Microsoft app id"),
        (["--app-id", APP_ID, "--domain", "https://x.org/bot"], "--domain must be a host name"),
        (["--app-id", APP_ID], "Give --domain"),
        (["--app-id", APP_ID, "--website", "http://x.org"], "--website must be an https:// address"),
    ],
)
def test_bad_options_get_one_sentence_and_no_file(tmp_path, args, sentence):
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(main, ["teams", "package", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert sentence in result.output
    assert not out.exists()


def test_a_website_without_a_domain_is_enough(tmp_path):
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(main, ["teams", "package", "--app-id", APP_ID, "--website", "https://district.example/staff/affinity", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["validDomains"] == []
    assert manifest["developer"]["privacyUrl"] == "https://district.example/staff/affinity"


def test_package_errors_are_value_errors():
    with pytest.raises(PackageError):
        build_manifest(all_specs(), "x")
