"""Integration: the token-secured JSON API (/api/v1), token settings, admin webhooks, CLI.

routes.py      bp "api": /api/v1/..., bearer tokens only (never the session cookie), CSRF-exempt
openapi.py     the OpenAPI 3 document served at /api/v1/openapi.json (public)
settings.py    bp "integration": /settings/tokens (own tokens) and /admin/webhooks (admins)
cli.py         create-token, deliver-webhooks, watch-inbox
"""
