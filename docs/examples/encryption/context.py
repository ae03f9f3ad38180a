"""The encryption context, and a ciphertext moved to another item: refused, never decrypted."""

import asyncio

from _local_kms import ensure_local_key
from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import EncryptedAttribute, StringAttribute
from pydynox.exceptions import EncryptionException

client = DynamoDBClient(region="us-east-1")
set_default_client(client)


# --8<-- [start:model]
class Tenant(Model):
    model_config = ModelConfig(table="enc_patients")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    ssn = EncryptedAttribute("alias/pydynox-docs", context={"tenant": "acme"})


# --8<-- [end:model]


async def main() -> None:
    ensure_local_key()
    await Tenant.create_table(wait=True)

    # --8<-- [start:moved]
    await Tenant(pk="T#1", sk="P#1", ssn="111-11-1111").save()
    original = await client.get_item("enc_patients", {"pk": "T#1", "sk": "P#1"})

    # Someone with write access to the table copies the ciphertext to another item:
    await client.put_item("enc_patients", {"pk": "T#1", "sk": "P#2", "ssn": original["ssn"]})
    try:
        await Tenant.get(pk="T#1", sk="P#2")
        raise AssertionError("a moved ciphertext does not authenticate")
    except EncryptionException as e:
        assert e.code == "InvalidCiphertext"
    # --8<-- [end:moved]


if __name__ == "__main__":
    asyncio.run(main())
