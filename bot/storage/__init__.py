"""Storage: SQLAlchemy 2 models, Alembic migrations, the queries the bot makes."""
