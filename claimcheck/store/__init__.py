"""The product record store: SQLAlchemy models, Alembic migrations, import/export."""
