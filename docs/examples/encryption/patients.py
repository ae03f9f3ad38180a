"""Encrypted attributes: round trips, one KMS call per page, the data-key cache, writes and updates,
what cannot be compared, the blocking twins and where KMS is."""

import asyncio

from _local_kms import ensure_local_key

# --8<-- [start:setup]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import EncryptedAttribute, StringAttribute

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


class Patient(Model):
    model_config = ModelConfig(table="enc_patients")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    ssn = EncryptedAttribute("alias/pydynox-docs")
    history = EncryptedAttribute("alias/pydynox-docs")


# --8<-- [end:setup]

# --8<-- [start:cache-bounds]
from pydynox.attributes import DataKeyCache

strict = EncryptedAttribute(
    "alias/pydynox-docs", cache=DataKeyCache(max_age=60, max_messages=1000, max_bytes=1 << 20, max_keys=100)
)
assert strict.cache.max_age == 60
# --8<-- [end:cache-bounds]

# --8<-- [start:page-imports]
from pydynox import BatchWriter
from pydynox.usage import track_usage

# --8<-- [end:page-imports]


async def main() -> None:
    ensure_local_key()

    # --8<-- [start:first-use]
    await Patient.create_table(wait=True)
    await Patient(
        pk="CLINIC#1", sk="P#1", name="Ana", ssn="123-45-6789", history={"allergies": {"latex"}}
    ).save()

    patient = await Patient.get(pk="CLINIC#1", sk="P#1")
    assert patient.ssn == "123-45-6789"
    assert patient.history == {"allergies": {"latex"}}

    stored = await client.get_item("enc_patients", {"pk": "CLINIC#1", "sk": "P#1"})
    assert isinstance(stored["ssn"], bytes) and b"123-45-6789" not in stored["ssn"]
    assert stored["name"] == "Ana"  # other attributes are stored as usual
    # --8<-- [end:first-use]

    # --8<-- [start:page-cost]
    async with BatchWriter() as batch:
        for i in range(200):
            batch.save(Patient(pk="CLINIC#2", sk=f"P#{i:03}", name=f"p{i}", ssn=f"000-00-{i:04}"))

    fresh = DynamoDBClient(region="us-east-1")  # a new client starts with an empty key cache

    class Reader(Patient):
        model_config = ModelConfig(table="enc_patients", client=fresh)

    with track_usage() as usage:
        patients = await Reader.query(partition_key="CLINIC#2").all()
    assert len(patients) == 200 and patients[7].ssn == "000-00-0007"
    assert usage.kms_calls == 1  # one Decrypt for the data key of 200 values

    with track_usage() as usage:
        await Reader.query(partition_key="CLINIC#2").all()
    assert usage.kms_calls == 0  # the key is cached now
    # --8<-- [end:page-cost]

    # --8<-- [start:writing]
    patient.ssn = "987-65-4321"
    await patient.save()
    await patient.update(history=None)  # None removes the attribute
    assert (await Patient.get(pk="CLINIC#1", sk="P#1")).ssn == "987-65-4321"
    # --8<-- [end:writing]

    # --8<-- [start:compare]
    try:
        Patient.ssn == "987-65-4321"  # noqa: B015 (the comparison itself raises)
        raise AssertionError("an encrypted attribute cannot be compared")
    except TypeError as e:
        assert "cannot be compared" in str(e)

    patient.name = "Ana M."
    await patient.save(condition=Patient.ssn.exists())
    # --8<-- [end:compare]


# --8<-- [start:sync]
def read_blocking() -> None:
    bo = Patient.sync_get(pk="CLINIC#1", sk="P#1")
    assert bo.ssn == "987-65-4321"


# --8<-- [end:sync]


def endpoints() -> None:
    # --8<-- [start:endpoints]
    # DynamoDB in process, KMS on a local server (construction does no I/O; the first call connects).
    local = DynamoDBClient(
        region="us-east-1", endpoint_url="memory://enc-docs", kms_endpoint_url="http://127.0.0.1:4566"
    )
    assert local.endpoint_url == "memory://enc-docs"
    # --8<-- [end:endpoints]


if __name__ == "__main__":
    asyncio.run(main())
    read_blocking()
    endpoints()
