"""The TikTok Shop Partner API mock: backend state, gateway checks, routes, serializers and webhooks."""
