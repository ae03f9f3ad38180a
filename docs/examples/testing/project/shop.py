"""The code under test: a model and a function that uses it."""

from pydynox import Model, ModelConfig
from pydynox.attributes import IntegerAttribute, StringAttribute
from pydynox.exceptions import ConditionalCheckFailedException


class Product(Model):
    model_config = ModelConfig(table="products")  # no client: the default client is used
    pk = StringAttribute(partition_key=True)
    name = StringAttribute()
    stock = IntegerAttribute(default=0)


async def reserve(pk: str, quantity: int) -> bool:
    """Takes `quantity` from the stock if there is enough, atomically."""
    try:
        await Product.update_by_key(
            pk=pk, atomic=[Product.stock.add(-quantity)], condition=Product.stock >= quantity
        )
    except ConditionalCheckFailedException:
        return False
    return True
