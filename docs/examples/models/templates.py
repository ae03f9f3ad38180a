"""Key templates: keys built from other attributes (single-table designs)."""

import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute

set_default_client(DynamoDBClient(region="us-east-1"))


# --8<-- [start:model]
class Post(Model):
    model_config = ModelConfig(table="models_posts")
    author = StringAttribute()
    number = StringAttribute()
    pk = StringAttribute(partition_key=True, template="AUTHOR#{author}")
    sk = StringAttribute(sort_key=True, template="POST#{number}")
    title = StringAttribute()


# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:use]
    await Post.create_table(wait=True)
    post = Post(author="ana", number="001", title="Hello")
    assert (post.pk, post.sk) == ("AUTHOR#ana", "POST#001")
    await post.save()
    await Post(author="ana", number="002", title="Again").save()

    assert (await Post.get(author="ana", number="001")).title == "Hello"
    assert (await Post.get(pk="AUTHOR#ana", sk="POST#002")).title == "Again"  # the key itself works too
    assert [p.sk async for p in Post.query(author="ana")] == ["POST#001", "POST#002"]
    # --8<-- [end:use]


if __name__ == "__main__":
    asyncio.run(main())
