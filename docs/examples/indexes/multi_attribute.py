"""A global index whose partition and sort keys are each made of several attributes."""

import asyncio

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex

set_default_client(DynamoDBClient(region="us-east-1"))


# --8<-- [start:model]
class Match(Model):
    model_config = ModelConfig(table="matches")
    pk = StringAttribute(partition_key=True)
    tournament = StringAttribute()
    region = StringAttribute()
    round = StringAttribute()
    score = NumberAttribute()
    by_round = GlobalSecondaryIndex(
        "round-index", partition_key=["tournament", "region"], sort_key=["round", "score"]
    )


# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:query]
    await Match.create_table(wait=True)
    await Match.batch_write(
        save=[
            Match(pk="m1", tournament="W24", region="EU", round="SEMI", score=30),
            Match(pk="m2", tournament="W24", region="EU", round="SEMI", score=7),
            Match(pk="m3", tournament="W24", region="EU", round="FINAL", score=12),
            Match(pk="m4", tournament="W24", region="NA", round="SEMI", score=1),
            Match(pk="m5", tournament="W24", region="EU", round="SEMI"),  # no score: not in the index
        ]
    )
    ordered = await Match.by_round.query(tournament="W24", region="EU").all()
    assert [m.pk for m in ordered] == ["m3", "m2", "m1"]
    high = await Match.by_round.query(
        tournament="W24", region="EU", sort_key_condition=(Match.round == "SEMI") & (Match.score > 10)
    ).all()
    assert [m.pk for m in high] == ["m1"]
    # --8<-- [end:query]


if __name__ == "__main__":
    asyncio.run(main())
