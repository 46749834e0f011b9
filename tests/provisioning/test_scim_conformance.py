"""RFC 7644's status codes and error bodies for the operations served, and the discovery
documents against RFC 7643 §5–7 (the attributes each must carry, and their allowed values)."""

from __future__ import annotations

from tests.provisioning.test_scim_flows import PATCH, TOKEN, entra_user, scim_server

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
TYPES = {"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"}
MUTABILITY = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}


def _check_attribute(attribute: dict) -> None:
    assert {"name", "type", "multiValued", "required", "mutability", "returned", "uniqueness"} <= set(attribute), attribute
    assert attribute["type"] in TYPES and attribute["mutability"] in MUTABILITY
    assert attribute["returned"] in RETURNED and attribute["uniqueness"] in UNIQUENESS
    if attribute["type"] == "string":
        assert isinstance(attribute["caseExact"], bool)
    if attribute["type"] == "complex":
        for sub in attribute["subAttributes"]:
            _check_attribute(sub)


async def _error(response, status: int, scim_type: str | None = None) -> None:
    assert response.status == status, await response.text()
    body = await response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    assert body.get("scimType") == scim_type


async def test_discovery_documents_follow_rfc_7643(database_url, clock):
    async with scim_server(database_url, clock) as (runtime, http):
        async with http.get("/scim/v2/ServiceProviderConfig") as r:
            config = await r.json()
        assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
        for feature in ("patch", "bulk", "filter", "changePassword", "sort", "etag"):
            assert isinstance(config[feature]["supported"], bool), feature
        assert config["patch"]["supported"] and config["filter"]["supported"] and not config["bulk"]["supported"]
        assert isinstance(config["filter"]["maxResults"], int)
        assert all({"type", "name", "description"} <= set(s) for s in config["authenticationSchemes"])
        async with http.get("/scim/v2/ResourceTypes") as r:
            types = await r.json()
        assert types["totalResults"] == len(types["Resources"]) == 1
        for kind in types["Resources"]:
            assert {"name", "endpoint", "schema"} <= set(kind) and kind["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]
        async with http.get("/scim/v2/ResourceTypes/User") as r:
            assert (await r.json())["endpoint"] == "/Users"
        async with http.get("/scim/v2/Schemas") as r:
            schemas = await r.json()
        ids = {s["id"] for s in schemas["Resources"]}
        assert ids == {"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}
        for schema in schemas["Resources"]:
            for attribute in schema["attributes"]:
                _check_attribute(attribute)


async def test_status_codes_and_error_bodies(database_url, clock):
    async with scim_server(database_url, clock) as (runtime, http):
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            assert r.status == 201 and r.headers["Content-Type"].startswith("application/scim+json")
            user_id = (await r.json())["id"]
        async with http.get("/scim/v2/Users", headers={"Authorization": ""}) as r:
            await _error(r, 401)
        async with http.post("/scim/v2/Users", json=entra_user()) as r:
            await _error(r, 409, "uniqueness")
        async with http.post("/scim/v2/Users", json=entra_user(userName="other@district.example", emails=[], externalId="a1b2c3")) as r:
            await _error(r, 409, "uniqueness")
        async with http.post("/scim/v2/Users", data=b"{not json", headers={"Content-Type": "application/scim+json"}) as r:
            await _error(r, 400, "invalidSyntax")
        async with http.post("/scim/v2/Users", json=entra_user(userName="x@district.example", emails=[], active="maybe")) as r:
            await _error(r, 400, "invalidValue")
        async with http.get("/scim/v2/Users", params={"filter": "userName sw \"a\""}) as r:
            await _error(r, 400, "invalidFilter")
        async with http.get("/scim/v2/Users/424242") as r:
            await _error(r, 404)
        async with http.patch("/scim/v2/Users/424242", json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}) as r:
            await _error(r, 404)
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "move", "path": "title"}]}) as r:
            await _error(r, 400, "invalidValue")
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "remove"}]}) as r:
            await _error(r, 400, "noTarget")
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "remove", "path": "userName"}]}) as r:
            await _error(r, 400, "mutability")
        async with http.patch(f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH], "Operations": [{"op": "add", "path": "emails[value co \"x\"]", "value": "y"}]}) as r:
            await _error(r, 400, "invalidPath")
        async with http.put(f"/scim/v2/Users/{user_id}", json=entra_user(id="77")) as r:
            await _error(r, 400, "mutability")
        async with http.post("/scim/v2/Users", data=b"{" + b" " * (1024 * 1024), headers={"Content-Type": "application/scim+json"}) as r:
            await _error(r, 413)
        async with http.get("/scim/v2/Nothing") as r:
            await _error(r, 404)
        async with http.get("/scim/v2/Users", params={"startIndex": "2", "count": "1"}) as r:
            page = await r.json()
            assert (page["totalResults"], page["startIndex"], page["itemsPerPage"], page["Resources"]) == (1, 2, 0, [])
        async with http.get("/scim/v2/Users", params={"count": "0"}) as r:
            page = await r.json()
            assert (page["totalResults"], page["itemsPerPage"]) == (1, 0)
        async with http.delete(f"/scim/v2/Users/{user_id}") as r:
            assert r.status == 204
        async with http.delete(f"/scim/v2/Users/{user_id}") as r:
            await _error(r, 404)
