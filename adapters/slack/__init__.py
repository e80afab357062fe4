"""The Slack adapter: Bolt listeners (`app.py`), Block Kit rendering (`blocks.py`), mrkdwn
escaping (`mrkdwn.py`), the aiohttp translation (`handler.py`), settings, and `manifest.yml`.

Platform types stop here: listeners translate Slack payloads into `IncomingMessage` and render
the core's `Reply` back as Block Kit.
"""
