"""Staff provisioned from the district's identity system: the SCIM 2.0 service provider at
`/scim/v2/` (Entra ID, Okta, Google) and `affinity-bot provisioning status`; wired by
`bot/bootstrap.py` (see docs/provisioning.md)."""
