"""The Microsoft Teams adapter: every botbuilder type stays inside this package.

`route.teams_route` is the aiohttp handler for `POST /api/messages`; `cards.py` renders a
platform-free `Reply` as an Adaptive Card; `package.py` builds the Teams app package.
"""
