"""The local store: SQLAlchemy models, repositories (every query lives here),
engine and unit of work, and the Alembic migrations run at start-up."""
