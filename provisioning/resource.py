"""A SCIM User (RFC 7643 core and enterprise schemas) as the facts the bot keeps, and back.

A resource is read into a flat dict of *facts* (`userName`, `email`, `title`, `department` …);
PATCH operations (RFC 7644 §3.5.2) are applied to the facts, and the facts become a person's
columns (`person_values`). Attributes the bot does not keep (phone numbers, photos, addresses
other than a work locality, …) are accepted and never read.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.catalogue import LANGUAGES
from bot.people.identity import clean_email
from provisioning.errors import ScimError, invalid_value

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

STRINGS = ("userName", "externalId", "displayName", "givenName", "familyName", "formatted", "title", "email",
           "preferredLanguage", "timezone", "department", "organization", "division", "locality", "manager", "startDate")
FACTS = STRINGS + ("active",)
_LIMITS = {"userName": 320, "externalId": 200, "email": 320, "title": 100, "displayName": 200, "formatted": 200,
           "givenName": 100, "familyName": 100, "department": 200, "organization": 200, "division": 200, "locality": 200}
_SIMPLE = {"username": "userName", "externalid": "externalId", "displayname": "displayName", "title": "title",
           "preferredlanguage": "preferredLanguage", "timezone": "timezone", "active": "active",
           "name.givenname": "givenName", "name.familyname": "familyName", "name.formatted": "formatted"}
_ENTERPRISE = {"department": "department", "organization": "organization", "division": "division",
               "manager": "manager", "manager.value": "manager"}
_READ_ONLY = ("id", "meta", "schemas", "groups")
_FILTERED = re.compile(r'^(emails|addresses)\[\s*type\s+eq\s+"([^"]*)"\s*\](?:\.(\w+))?$', re.IGNORECASE)


def from_resource(body: Any, start_attribute: str | None) -> dict[str, Any]:
    """The facts of a full resource (POST, PUT). Unknown attributes are left unread."""
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a JSON object.", "invalidSyntax")
    facts: dict[str, Any] = {}
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() in _READ_ONLY:
            continue
        if key.lower().startswith("urn:") and isinstance(value, dict):
            for inner, item in value.items():
                if isinstance(inner, str):
                    _assign(facts, f"{key}:{inner}", item, start_attribute, whole=True)
            continue
        _assign(facts, key, value, start_attribute, whole=True)
    facts.setdefault("active", True)
    return facts


def _target(path: str, start_attribute: str | None) -> tuple[str, str | None, str | None]:
    """(kind, fact or type filter, sub-attribute) for a PATCH path; kinds: fact, emails, addresses,
    name, enterprise, ignored. Raises invalidPath or mutability."""
    if not isinstance(path, str) or not path.strip() or len(path) > 300:
        raise ScimError(400, "The path is not a SCIM attribute path.", "invalidPath")
    text = path.strip()
    lower = text.lower()
    if lower.split(".")[0].split("[")[0] in _READ_ONLY:
        raise ScimError(400, "This attribute cannot be changed.", "mutability")
    if lower.startswith("urn:"):
        if lower == ENTERPRISE.lower():
            return ("enterprise", None, None)
        if lower.startswith(ENTERPRISE.lower() + ":"):
            inner = lower[len(ENTERPRISE) + 1 :]
            if inner in _ENTERPRISE:
                return ("fact", _ENTERPRISE[inner], None)
        if lower.startswith(USER.lower() + ":"):
            return _target(text[len(USER) + 1 :], start_attribute)
        attribute = text.rsplit(":", 1)[-1]
        if start_attribute and attribute.lower() == start_attribute.lower():
            return ("fact", "startDate", None)
        return ("ignored", None, None)
    if start_attribute and lower == start_attribute.lower():
        return ("fact", "startDate", None)
    if lower in _SIMPLE:
        return ("fact", _SIMPLE[lower], None)
    if lower in ("emails", "addresses", "name"):
        return (lower, None, None)
    match = _FILTERED.match(text)
    if match:
        return (match.group(1).lower(), match.group(2).lower(), (match.group(3) or "").lower() or None)
    if "[" in text or "]" in text or '"' in text:
        raise ScimError(400, "This path's filter is not supported; use a form such as emails[type eq \"work\"].value.", "invalidPath")
    if not re.fullmatch(r"[A-Za-z][\w$-]*(\.[A-Za-z][\w$-]*)?", text):
        raise ScimError(400, "The path is not a SCIM attribute path.", "invalidPath")
    return ("ignored", None, None)


def _assign(facts: dict, path: str, value: Any, start_attribute: str | None, whole: bool = False, op: str = "replace") -> None:
    """Apply one add or replace (`op`) or remove (value None) to the facts."""
    try:
        kind, key, sub = _target(path, start_attribute)
    except ScimError:
        if whole:  # an attribute of a full resource the bot does not know: not read
            return
        raise
    if kind == "ignored":
        return
    if kind == "fact":
        if key == "manager" and isinstance(value, dict):
            value = value.get("value")
        facts[key] = _checked(key, value)
    elif kind == "name":
        if value is None:
            for k in ("givenName", "familyName", "formatted"):
                facts[k] = None
            return
        if not isinstance(value, dict):
            raise invalid_value("name must be an object.")
        for inner, k in (("givenName", "givenName"), ("familyName", "familyName"), ("formatted", "formatted")):
            if inner in value or op == "replace" and whole:
                facts[k] = _checked(k, value.get(inner))
    elif kind == "enterprise":
        if value is None:
            for k in ("department", "organization", "division", "manager"):
                facts[k] = None
            return
        if not isinstance(value, dict):
            raise invalid_value("The enterprise extension must be an object.")
        for inner, item in value.items():
            if isinstance(inner, str):
                _assign(facts, f"{ENTERPRISE}:{inner}", item, start_attribute, op=op)
    else:  # emails / addresses
        fact = "email" if kind == "emails" else "locality"
        field = "value" if kind == "emails" else "locality"
        if key is not None:  # emails[type eq "work"](.value)
            if key != "work":
                if value is None and not whole:
                    raise ScimError(400, f"No {kind[:-1]} of that type is kept.", "noTarget")
                return
            if sub is None:
                if value is None:
                    facts[fact] = None
                    return
                if not isinstance(value, dict):
                    raise invalid_value(f"{kind} entries must be objects.")
                value = value.get(field)
            elif sub != field:
                return
            facts[fact] = _checked(fact, value)
            return
        if value is None:
            facts[fact] = None
            return
        entries = value if isinstance(value, list) else [value]
        if not all(isinstance(e, dict) for e in entries):
            raise invalid_value(f"{kind} must be a list of objects.")
        chosen = _work(entries)
        if chosen is None:
            if op == "replace" or whole:
                facts[fact] = None
            return
        facts[fact] = _checked(fact, chosen.get(field))


def _work(entries: list[dict]) -> dict | None:
    for test in (lambda e: str(e.get("type", "")).lower() == "work", lambda e: e.get("primary") in (True, "true", "True")):
        for entry in entries:
            if test(entry):
                return entry
    return entries[0] if entries else None


def _checked(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "active":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise invalid_value("active must be true or false.")
    if key == "manager" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise invalid_value(f"{key} must be a string.")
    value = value.strip()
    if len(value) > _LIMITS.get(key, 100):
        raise invalid_value(f"{key} is longer than {_LIMITS.get(key, 100)} characters.")
    if "\x00" in value:
        raise invalid_value(f"{key} holds a NUL character.")
    return value or None


def apply_patch(facts: dict[str, Any], body: Any, start_attribute: str | None) -> dict[str, Any]:
    """The facts after a PatchOp request; nothing is kept if any operation is refused."""
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a JSON object.", "invalidSyntax")
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise invalid_value(f"A PATCH request's schemas must list {PATCH_OP}.")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations or len(operations) > 100:
        raise invalid_value("A PATCH request needs Operations: a list of 1 to 100 operations.")
    result = dict(facts)
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_value("Each operation must be an object.")
        op = operation.get("op")
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise invalid_value("op must be add, replace or remove.")
        op = op.lower()
        path = operation.get("path")
        value = operation.get("value")
        if op == "remove":
            if path is None:
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            kind = _target(path, start_attribute)
            if kind[0] == "fact" and kind[1] in ("userName", "active"):
                raise ScimError(400, "userName and active are required and cannot be removed.", "mutability")
            _assign(result, path, None, start_attribute, op=op)
            continue
        if "value" not in operation:
            raise invalid_value(f"An {op} operation needs a value.")
        if path is None:
            if not isinstance(value, dict):
                raise invalid_value(f"An {op} operation without a path needs an object as its value.")
            for key, item in value.items():
                if not isinstance(key, str):
                    raise invalid_value("Attribute names must be strings.")
                if key.lower() in _READ_ONLY:
                    if key.lower() == "schemas":
                        continue
                    raise ScimError(400, "This attribute cannot be changed.", "mutability")
                if key.lower().startswith("urn:") and isinstance(item, dict):
                    for inner, sub in item.items():
                        if isinstance(inner, str):
                            _assign(result, f"{key}:{inner}", sub, start_attribute, op=op)
                    continue
                if item is None:
                    raise invalid_value(f"{op} needs a value for each attribute; use remove to clear one.")
                _assign(result, key, item, start_attribute, op=op)
            continue
        if value is None:
            raise invalid_value(f"{op} needs a value; use remove to clear an attribute.")
        _assign(result, path, value, start_attribute, op=op)
    return result


def person_values(facts: dict[str, Any], site_sources: tuple[str, ...]) -> dict[str, Any]:
    """The person's columns from the facts; a fact that cannot be one raises invalidValue."""
    user_name = facts.get("userName")
    if not user_name:
        raise invalid_value("userName is required.")
    email = clean_email(facts.get("email") or user_name)
    if not email or " " in email or "@" not in email or len(email) > 320:
        raise invalid_value("userName or the work e-mail must be an e-mail address.")
    given = " ".join(p for p in (facts.get("givenName"), facts.get("familyName")) if p)
    name = facts.get("displayName") or facts.get("formatted") or given
    if not name:
        raise invalid_value("A name is required: displayName, name.formatted or name.givenName.")
    site = next((facts.get(s) for s in site_sources if facts.get(s)), None)
    language = None
    if facts.get("preferredLanguage"):
        code = facts["preferredLanguage"].replace("_", "-").split("-")[0].split(",")[0].strip().lower()
        language = code if code in LANGUAGES else None
    zone = facts.get("timezone")
    if zone:
        try:
            if len(zone) > 64:
                raise ValueError(zone)
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise invalid_value("timezone must be an IANA time zone such as America/Chicago.") from None
    start = None
    if facts.get("startDate"):
        text = facts["startDate"]
        try:
            start = date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
            if len(text) > 10:
                datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise invalid_value("The start date must be a date such as 2026-08-17.") from None
    manager = facts.get("manager")
    if manager is not None and not (manager.isdigit() and len(manager) < 12):
        manager = None  # an id the bot never gave: no supervisor
    return {
        "email": email, "name": name[:200], "job_role": facts.get("title"), "site": site, "language": language,
        "timezone": zone, "start_date": start, "manager": int(manager) if manager else None,
    }


def to_resource(person_id: int, facts: dict[str, Any], base_url: str, created, modified, start_attribute: str | None) -> dict:
    """The SCIM User the identity system reads back."""
    resource: dict[str, Any] = {
        "schemas": [USER, ENTERPRISE],
        "id": str(person_id),
        "userName": facts.get("userName"),
        "active": bool(facts.get("active", True)),
        "meta": {"resourceType": "User", "location": f"{base_url}/Users/{person_id}",
                 **({"created": created.isoformat()} if created else {}),
                 **({"lastModified": modified.isoformat()} if modified else {})},
    }
    for key in ("externalId", "displayName", "title", "preferredLanguage", "timezone"):
        if facts.get(key):
            resource[key] = facts[key]
    name = {k: facts[k] for k in ("givenName", "familyName", "formatted") if facts.get(k)}
    if name:
        resource["name"] = name
    if facts.get("email"):
        resource["emails"] = [{"value": facts["email"], "type": "work", "primary": True}]
    if facts.get("locality"):
        resource["addresses"] = [{"type": "work", "locality": facts["locality"]}]
    enterprise = {k: facts[k] for k in ("department", "organization", "division") if facts.get(k)}
    if facts.get("manager"):
        enterprise["manager"] = {"value": facts["manager"]}
    if facts.get("startDate") and start_attribute:
        enterprise[start_attribute] = facts["startDate"]
    if enterprise:
        resource[ENTERPRISE] = enterprise
    return resource
