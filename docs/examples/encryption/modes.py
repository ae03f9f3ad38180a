"""Encryption modes: WriteOnly never decrypts, ReadOnly never encrypts."""

import asyncio

from _local_kms import ensure_local_key

# --8<-- [start:models]
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import EncryptedAttribute, EncryptedValue, EncryptionMode, StringAttribute
from pydynox.exceptions import EncryptionException

set_default_client(DynamoDBClient(region="us-east-1"))


class Intake(Model):
    model_config = ModelConfig(table="enc_patients")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    ssn = EncryptedAttribute("alias/pydynox-docs", mode=EncryptionMode.WriteOnly)


class Billing(Model):
    model_config = ModelConfig(table="enc_patients")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    ssn = EncryptedAttribute("alias/pydynox-docs", mode=EncryptionMode.ReadOnly)


# --8<-- [end:models]


async def main() -> None:
    ensure_local_key()
    await Intake.create_table(wait=True)

    # --8<-- [start:use]
    await Intake(pk="CLINIC#3", sk="P#1", name="Bo", ssn="555-55-5555").save()
    seen = await Intake.get(pk="CLINIC#3", sk="P#1")
    assert isinstance(seen.ssn, EncryptedValue)
    seen.name = "Bo B."
    await seen.save()  # the ciphertext stays as it was

    billing = await Billing.get(pk="CLINIC#3", sk="P#1")
    assert billing.ssn == "555-55-5555"
    billing.ssn = "000-00-0000"
    try:
        await billing.save()
        raise AssertionError("a ReadOnly attribute refuses new values")
    except EncryptionException as e:
        assert "ReadOnly" in str(e)
    # --8<-- [end:use]


if __name__ == "__main__":
    asyncio.run(main())
