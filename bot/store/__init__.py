"""Persistence: SQLAlchemy models, the engine and its migrations, the transactional outbox."""
