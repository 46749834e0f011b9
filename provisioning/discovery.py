"""The discovery documents (RFC 7644 §4, RFC 7643 §5–7): what this service provider supports."""

from __future__ import annotations

from provisioning.resource import ENTERPRISE, LIST, USER

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config(base: str) -> dict:
    return {
        "schemas": [SPC],
        "documentationUri": "https://github.com/affinity-bot/affinity-bot/blob/main/docs/provisioning.md",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 1000},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {"type": "oauthbearertoken", "name": "Bearer token", "description": "AFFINITY_SCIM_TOKEN, sent as Authorization: Bearer", "primary": True}
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }


def resource_types(base: str) -> dict:
    users = {
        "schemas": [RESOURCE_TYPE], "id": "User", "name": "User", "endpoint": "/Users", "description": "Staff",
        "schema": USER, "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
    }
    return {"schemas": [LIST], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": [users]}


def _attr(name: str, type_: str = "string", *, required: bool = False, multi: bool = False, mutability: str = "readWrite",
          uniqueness: str = "none", returned: str = "default", sub: list | None = None, case_exact: bool = False) -> dict:
    a = {"name": name, "type": type_, "multiValued": multi, "description": name, "required": required,
         "mutability": mutability, "returned": returned, "uniqueness": uniqueness}
    if type_ in ("string", "reference"):
        a["caseExact"] = case_exact
    if sub:
        a["subAttributes"] = sub
    return a


def schemas(base: str) -> dict:
    user = {
        "schemas": [SCHEMA], "id": USER, "name": "User", "description": "Staff member",
        "attributes": [
            _attr("userName", required=True, uniqueness="server"),
            _attr("externalId", case_exact=True),
            _attr("name", "complex", sub=[_attr("formatted"), _attr("givenName"), _attr("familyName")]),
            _attr("displayName"), _attr("title"), _attr("preferredLanguage"), _attr("timezone"),
            _attr("active", "boolean"),
            _attr("emails", "complex", multi=True, sub=[_attr("value"), _attr("type"), _attr("primary", "boolean")]),
            _attr("addresses", "complex", multi=True, sub=[_attr("type"), _attr("locality")]),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{USER}"},
    }
    enterprise = {
        "schemas": [SCHEMA], "id": ENTERPRISE, "name": "EnterpriseUser", "description": "Enterprise User",
        "attributes": [
            _attr("department"), _attr("organization"), _attr("division"),
            _attr("manager", "complex", sub=[_attr("value")]),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{ENTERPRISE}"},
    }
    return {"schemas": [LIST], "totalResults": 2, "startIndex": 1, "itemsPerPage": 2, "Resources": [user, enterprise]}
