from typing import Any

import pytest
from shop import Product


@pytest.fixture
def pydynox_seed() -> dict[str, Any]:
    """What `pydynox_memory_backend_seeded` creates: the tables of these models, then these items."""
    return {
        "models": [Product],
        "items": [Product(pk="P#1", name="Lamp", stock=3), ("products", {"pk": "P#2", "name": "Desk"})],
    }
