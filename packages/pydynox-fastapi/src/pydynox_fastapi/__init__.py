"""FastAPI integration for pydynox: lifespan-managed client, dependencies, error mapping, signed cursor pagination."""
