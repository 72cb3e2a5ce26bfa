"""Storage: models, engine, migrations and the use cases that change data."""
