"""``EncryptedAttribute``: KMS envelope encryption against moto's KMS, DynamoDB on both backends.

What must hold: values of every type round-trip through save/get/query/update (async and ``sync_``);
DynamoDB holds only ciphertext; a ciphertext that was altered or moved to another item, attribute or
table is refused, never decrypted into something else; KMS is asked once per data key, not once per
value (the cache's bounds decide when a new key is needed); the modes do what they say.
"""

from __future__ import annotations

import asyncio
import base64
from decimal import Decimal
from typing import Any

import pytest
from pydynox import (
    BatchWriter,
    Collection,
    DynamoDBClient,
    Model,
    ModelConfig,
    Transaction,
    transact_get,
)
from pydynox._core import aws_stats
from pydynox.attributes import (
    CompressedAttribute,
    DataKeyCache,
    EncryptedAttribute,
    EncryptedValue,
    EncryptionMode,
    NumberAttribute,
    StringAttribute,
)
from pydynox.exceptions import EncryptionException
from pydynox.usage import track_usage
from support.clients import make_client
from support.model_twin import ModelTwin
from support.readback import raw_item

CONTEXT = {"app": "pydynox-tests"}


def models(table: str, client: DynamoDBClient, key_id: str, **options: Any) -> Any:
    class Patient(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        ssn = EncryptedAttribute(key_id, context=CONTEXT, **options)
        record = EncryptedAttribute(key_id, context=CONTEXT, **options)
        visits = NumberAttribute(default=0)

    return Patient


@pytest.fixture
def Patient(table_name: str, aws_client: DynamoDBClient, kms_key: str) -> Any:
    model = models(table_name, aws_client, kms_key)
    model.sync_create_table(wait=True)
    return model


def stats_delta(before: dict[str, int]) -> dict[str, int]:
    now = aws_stats()
    return {k: now[k] - before.get(k, 0) for k in now}


VALUES: list[Any] = [
    "123-45-6789",
    12345678901234567890123456789012345678,
    Decimal("-0.000000000000000000000000000000000001"),
    b"\x00\xffbinary",
    True,
    {"allergies": {"peanuts", "latex"}, "scores": [1, Decimal("2.5")], "notes": None},
    ["a", 1, {"n": {b"x", b"y"}}],
    {1, 2, 3},
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
async def test_values_of_any_type_round_trip_and_only_ciphertext_is_stored(
    twin: ModelTwin, Patient: Any, boto: Any, table_name: str, value: Any
) -> None:
    await twin(Patient(pk="p1", sk="profile", name="Ana", ssn=value)).save()

    stored = raw_item(boto, table_name, "p1", sk="profile")
    assert stored is not None
    assert set(stored["ssn"]) == {"B"}, "an encrypted value is stored as Binary"
    assert stored["name"] == {"S": "Ana"}, "other attributes are untouched"
    if isinstance(value, (str, bytes)):
        plain = value.encode() if isinstance(value, str) else value
        assert plain not in stored["ssn"]["B"]

    loaded = await twin(Patient).get(pk="p1", sk="profile")
    assert loaded is not None
    assert loaded.ssn == value
    assert type(loaded.ssn) is type(value)


async def test_each_write_encrypts_anew_and_an_unchanged_value_is_not_rewritten(
    twin: ModelTwin, Patient: Any, boto: Any, table_name: str
) -> None:
    await twin(Patient(pk="p1", sk="a", ssn="same")).save()
    await twin(Patient(pk="p1", sk="b", ssn="same")).save()
    a = raw_item(boto, table_name, "p1", sk="a")
    b = raw_item(boto, table_name, "p1", sk="b")
    assert a is not None and b is not None
    assert a["ssn"] != b["ssn"], "the same plaintext never gives the same ciphertext"

    loaded = await twin(Patient).get(pk="p1", sk="a")
    loaded.visits = 3
    await twin(loaded).save()
    after = raw_item(boto, table_name, "p1", sk="a")
    assert after is not None
    assert after["visits"] == {"N": "3"}
    assert after["ssn"] == a["ssn"], "a save that did not change the value leaves its ciphertext alone"

    loaded.ssn = "new"
    await twin(loaded).save()
    assert (await twin(Patient).get(pk="p1", sk="a")).ssn == "new"


async def test_an_instance_loaded_from_a_query_page_saves_only_what_changed(
    twin: ModelTwin, Patient: Any, boto: Any, table_name: str, aws_client: DynamoDBClient, kms_key: str
) -> None:
    """Query pages are read from the response bytes; the decrypted values stand in for the stored
    ones in the instance's snapshot, so the next save's diff compares values, not ciphertexts."""
    await twin(Patient(pk="p1", sk="a", name="Ana", ssn="same", record={"v": 1})).save()
    stored = raw_item(boto, table_name, "p1", sk="a")
    assert stored is not None

    (loaded,) = await twin(Patient).query(partition_key="p1")
    assert (loaded.ssn, loaded.record) == ("same", {"v": 1})
    loaded.visits = 7
    loaded.record["v"] = 2  # an in-place change of a decrypted value is a change too
    await twin(loaded).save()
    after = raw_item(boto, table_name, "p1", sk="a")
    assert after is not None
    assert after["visits"] == {"N": "7"}
    assert after["ssn"] == stored["ssn"], "an unchanged encrypted value is not encrypted again"
    assert after["record"] != stored["record"]
    assert set(after["record"]) == {"B"}

    (again,) = await twin(Patient).scan()
    assert (again.ssn, again.record, again.visits) == ("same", {"v": 2}, 7)
    again.ssn = "changed"
    await twin(again).save()
    assert raw_item(boto, table_name, "p1", sk="a")["ssn"] != stored["ssn"]
    assert (await twin(Patient).get(pk="p1", sk="a")).ssn == "changed"

    class Ingest(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        ssn = EncryptedAttribute(kms_key, mode=EncryptionMode.WriteOnly, context=CONTEXT)

    written = raw_item(boto, table_name, "p1", sk="a")
    assert written is not None
    (ingested,) = await twin(Ingest).query(partition_key="p1")
    assert isinstance(ingested.ssn, EncryptedValue)
    assert ingested.ssn.ciphertext == written["ssn"]["B"]
    ingested.name = "Ana M."
    await twin(ingested).save(full_replace=True)
    kept = raw_item(boto, table_name, "p1", sk="a")
    assert kept is not None and kept["ssn"] == written["ssn"], "a WriteOnly value is kept as read"


async def test_parallel_scans_decrypt_every_segment(Patient: Any) -> None:
    for i in range(12):
        await Patient(pk=f"p{i}", sk="a", ssn=f"ssn-{i}", record=[i]).save()
    items, _ = await Patient.parallel_scan(3)
    assert sorted(p.ssn for p in items) == sorted(f"ssn-{i}" for i in range(12))
    rows = [row async for row in Patient.parallel_scan(4, as_dict=True, page_size=2)]
    assert sorted((r["ssn"], r["record"]) for r in rows) == sorted((f"ssn-{i}", [i]) for i in range(12))

    def blocking() -> list[Any]:
        return Patient.sync_parallel_scan(2).all()

    assert sorted(p.record[0] for p in await asyncio.to_thread(blocking)) == list(range(12))


async def test_a_stored_null_loads_as_none_and_a_save_keeps_it(
    twin: ModelTwin, table_name: str, aws_client: DynamoDBClient, kms_key: str, boto: Any
) -> None:
    """As for every attribute, a NULL another writer stored loads as None and stays NULL when the
    instance is saved: it is neither decoded nor encoded."""

    class Note(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        name = StringAttribute()
        secret = EncryptedAttribute(kms_key)
        body = CompressedAttribute()

    await twin(Note).create_table(wait=True)
    boto.put_item(
        TableName=table_name,
        Item={"pk": {"S": "n1"}, "name": {"S": "a"}, "secret": {"NULL": True}, "body": {"NULL": True}},
    )
    got = await twin(Note).get(pk="n1")
    (queried,) = await twin(Note).query(partition_key="n1")
    (as_dict,) = await twin(Note).query(partition_key="n1", as_dict=True)
    assert (got.secret, got.body) == (queried.secret, queried.body) == (None, None)
    assert (as_dict["secret"], as_dict["body"]) == (None, None)

    queried.name = "b"
    await twin(queried).save(full_replace=True)
    stored = raw_item(boto, table_name, "n1")
    assert stored is not None
    assert (stored["name"], stored["secret"], stored["body"]) == ({"S": "b"}, {"NULL": True}, {"NULL": True})


async def test_update_sets_and_removes_encrypted_values(
    twin: ModelTwin, Patient: Any, boto: Any, table_name: str
) -> None:
    patient = Patient(pk="p1", sk="a", ssn="old", record={"v": 1})
    await twin(patient).save()
    await twin(patient).update(ssn="updated", record=None)
    assert patient.ssn == "updated" and patient.record is None
    stored = raw_item(boto, table_name, "p1", sk="a")
    assert stored is not None and "record" not in stored and set(stored["ssn"]) == {"B"}
    again = await twin(Patient).get(pk="p1", sk="a")
    assert (again.ssn, again.record) == ("updated", None)

    by_key = await twin(Patient).update_by_key(pk="p1", sk="a", record=[1, 2])
    assert by_key.record == [1, 2]
    await twin(patient).update(atomic=[Patient.ssn.set("atomic")])
    assert (await twin(Patient).get(pk="p1", sk="a")).ssn == "atomic"


async def test_queries_scans_and_plain_dict_reads_decrypt(twin: ModelTwin, Patient: Any) -> None:
    for i in range(5):
        await twin(Patient(pk="p1", sk=f"{i:02}", ssn=f"ssn-{i}", record={"i": i})).save()
    items = await twin(Patient).query(partition_key="p1")
    assert [p.ssn for p in items] == [f"ssn-{i}" for i in range(5)]
    scanned = await twin(Patient).scan()
    assert sorted(p.record["i"] for p in scanned) == list(range(5))
    as_dicts = await twin(Patient).query(partition_key="p1", as_dict=True)
    assert [d["ssn"] for d in as_dicts] == [f"ssn-{i}" for i in range(5)]
    only = await twin(Patient).query(partition_key="p1", fields=["ssn"])
    assert only[0].ssn == "ssn-0" and only[0].record is None
    got = await twin(Patient).get(pk="p1", sk="03", as_dict=True)
    assert got["record"] == {"i": 3}


async def test_batches_transactions_and_partiql_encrypt_and_decrypt(Patient: Any, table_name: str) -> None:
    async with BatchWriter() as batch:
        for i in range(30):
            batch.save(Patient(pk="p1", sk=f"{i:02}", ssn=f"b{i}"))
    found = await Patient.batch_get([{"pk": "p1", "sk": f"{i:02}"} for i in range(30)])
    assert [p.ssn for p in found] == [f"b{i}" for i in range(30)]

    first = found[0]
    async with Transaction() as tx:
        tx.save(Patient(pk="p2", sk="t", ssn="in a transaction"))
        tx.update(first, ssn="updated in a transaction")
    got = await transact_get([(Patient, {"pk": "p2", "sk": "t"}), (Patient, {"pk": "p1", "sk": "00"})])
    assert [p.ssn for p in got] == ["in a transaction", "updated in a transaction"]

    rows = await Patient.execute_statement(f'SELECT * FROM "{table_name}" WHERE pk = ?', ["p2"])
    assert [p.ssn for p in rows] == ["in a transaction"]


async def test_a_1000_item_query_asks_kms_once(
    table_name: str, endpoint: str, aws_url: str, kms_key: str
) -> None:
    writer = make_client(endpoint, kms_endpoint_url=aws_url)
    Patient = models(table_name, writer, kms_key)
    await Patient.create_table(wait=True)
    before = aws_stats()
    with track_usage() as usage:
        async with BatchWriter() as batch:
            for i in range(1000):
                batch.save(Patient(pk="p1", sk=f"{i:04}", ssn=f"ssn-{i}", record={"n": i}))
    writes = stats_delta(before)
    # 2000 values encrypted under one data key: one GenerateDataKey. The 40 requests of 25 start
    # together; a request that missed the cache waited for that one call; every later lookup hit.
    assert usage.kms_calls == 1
    assert writes["kms_generate_data_key"] == 1
    assert writes["key_cache_hits"] + writes["key_cache_misses"] == 2000
    assert writes["key_cache_misses"] <= 40, "at most one miss per BatchWriteItem request"

    reader = models(table_name, make_client(endpoint, kms_endpoint_url=aws_url), kms_key)
    before = aws_stats()
    with track_usage() as usage:
        patients = await reader.query(partition_key="p1").all()
    cold = stats_delta(before)
    assert len(patients) == 1000
    assert patients[999].ssn == "ssn-999" and patients[0].record == {"n": 0}
    # A cold cache: one Decrypt for the whole query (each distinct data key of a page is unwrapped
    # once), not one per value.
    assert usage.kms_calls == cold["kms_decrypt"] == 1
    assert cold["kms_generate_data_key"] == 0

    before = aws_stats()
    with track_usage() as usage:
        again = await reader.query(partition_key="p1").all()
    warm = stats_delta(before)
    assert len(again) == 1000
    assert usage.kms_calls == 0 and warm["kms_decrypt"] == 0
    assert warm["key_cache_hits"] == usage.by_operation["Query"] and warm["key_cache_misses"] == 0


async def test_the_cache_bounds_rotate_keys_and_reads_unwrap_each_key_once(
    table_name: str, endpoint: str, aws_url: str, kms_key: str
) -> None:
    client = make_client(endpoint, kms_endpoint_url=aws_url)
    Patient = models(table_name, client, kms_key, cache=DataKeyCache(max_messages=25))
    await Patient.create_table(wait=True)
    before = aws_stats()
    for i in range(100):
        await Patient(pk="p1", sk=f"{i:03}", ssn=f"s{i}").save()
    assert stats_delta(before)["kms_generate_data_key"] == 4, "a new data key every 25 values"
    assert client._core.key_cache_size == (1, 4)

    reader = models(table_name, make_client(endpoint, kms_endpoint_url=aws_url), kms_key)
    before = aws_stats()
    assert [p.ssn for p in await reader.query(partition_key="p1").all()] == [f"s{i}" for i in range(100)]
    assert stats_delta(before)["kms_decrypt"] == 4, "one Decrypt per distinct data key"

    aged = models(
        table_name, make_client(endpoint, kms_endpoint_url=aws_url), kms_key, cache=DataKeyCache(max_age=0.2)
    )
    before = aws_stats()
    await aged(pk="p2", sk="a", ssn="x").save()
    await aged(pk="p2", sk="b", ssn="y").save()
    await asyncio.sleep(0.3)
    await aged(pk="p2", sk="c", ssn="z").save()
    assert stats_delta(before)["kms_generate_data_key"] == 2, "a key older than max_age is not used again"

    uncached = models(table_name, make_client(endpoint, kms_endpoint_url=aws_url), kms_key, cache=None)
    before = aws_stats()
    await uncached(pk="p3", sk="a", ssn="x", record="y").save()
    assert stats_delta(before)["kms_generate_data_key"] == 2, "without a cache, one data key per value"


async def test_concurrent_writers_on_a_cold_cache_share_one_data_key(Patient: Any) -> None:
    before = aws_stats()
    await asyncio.gather(*(Patient(pk="p1", sk=f"{i:02}", ssn=str(i)).save() for i in range(40)))
    assert stats_delta(before)["kms_generate_data_key"] == 1


def _flip(blob: bytes, index: int) -> bytes:
    data = bytearray(blob)
    data[index] ^= 0x01
    return bytes(data)


async def test_tampered_or_moved_ciphertext_is_refused(
    twin: ModelTwin, Patient: Any, boto: Any, table_name: str
) -> None:
    await twin(Patient(pk="p1", sk="a", ssn="secret-a", record="rec-a")).save()
    await twin(Patient(pk="p1", sk="b", ssn="secret-b")).save()
    stored = raw_item(boto, table_name, "p1", sk="a")
    assert stored is not None
    blob = stored["ssn"]["B"]

    def put_ssn(sk: str, value: Any, name: str = "ssn") -> None:
        boto.update_item(
            TableName=table_name,
            Key={"pk": {"S": "p1"}, "sk": {"S": sk}},
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": name},
            ExpressionAttributeValues={":v": value},
        )

    async def refused(sk: str, why: str) -> None:
        with pytest.raises(EncryptionException) as caught:
            await twin(Patient).get(pk="p1", sk=sk)
        assert caught.value.code in ("InvalidCiphertext", "InvalidCiphertextException"), why
        assert "Patient." in str(caught.value), why

    # One flipped bit in the ciphertext, the nonce, or the tag.
    for index in (len(blob) - 1, len(blob) - 20, len(blob) - 30):
        put_ssn("a", {"B": _flip(blob, index)})
        await refused("a", f"byte {index} altered")
    # The ciphertext of item a copied into item b, and into another attribute of item a.
    put_ssn("b", {"B": blob})
    await refused("b", "moved to another item")
    put_ssn("a", {"B": blob}, name="record")
    put_ssn("a", {"B": blob})
    await refused("a", "moved to another attribute")
    # Truncated, and not an encrypted value at all.
    put_ssn("a", {"B": blob[:10]})
    await refused("a", "truncated")
    put_ssn("a", {"S": "plaintext"})
    with pytest.raises(EncryptionException, match="type S"):
        await twin(Patient).get(pk="p1", sk="a")
    # The intact item still reads.
    put_ssn("a", {"B": blob})
    put_ssn("a", stored["record"], name="record")
    assert (await twin(Patient).get(pk="p1", sk="a")).ssn == "secret-a"


async def test_another_encryption_context_cannot_decrypt(
    Patient: Any, aws_client: DynamoDBClient, table_name: str, kms_key: str
) -> None:
    await Patient(pk="p1", sk="a", ssn="secret").save()

    class Other(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        ssn = EncryptedAttribute(kms_key, context={"app": "someone-else"})

    with pytest.raises(EncryptionException):
        await Other.get(pk="p1", sk="a")


async def test_write_only_and_read_only_modes(
    twin: ModelTwin, Patient: Any, aws_client: DynamoDBClient, table_name: str, kms_key: str, boto: Any
) -> None:
    class Ingest(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        ssn = EncryptedAttribute(kms_key, mode=EncryptionMode.WriteOnly, context=CONTEXT)

    class Report(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        name = StringAttribute()
        ssn = EncryptedAttribute(kms_key, mode="ReadOnly", context=CONTEXT)

    await twin(Ingest(pk="p1", sk="a", name="Ana", ssn="written once")).save()
    before = aws_stats()
    loaded = await twin(Ingest).get(pk="p1", sk="a")
    assert isinstance(loaded.ssn, EncryptedValue), "WriteOnly never decrypts"
    assert stats_delta(before)["kms_decrypt"] == 0
    assert "written once" not in repr(loaded.ssn)
    stored = raw_item(boto, table_name, "p1", sk="a")
    assert stored is not None and loaded.ssn.ciphertext == stored["ssn"]["B"]

    # Saving the loaded instance (even whole) keeps the ciphertext as it was.
    loaded.name = "Ana M."
    await twin(loaded).save(full_replace=True)
    assert raw_item(boto, table_name, "p1", sk="a")["ssn"] == stored["ssn"]

    report = await twin(Report).get(pk="p1", sk="a")
    assert (report.name, report.ssn) == ("Ana M.", "written once")
    report.name = "renamed"
    await twin(report).save()  # only the name is sent
    report.ssn = "changed"
    with pytest.raises(EncryptionException, match="ReadOnly"):
        await twin(report).save()


async def test_encrypted_values_cannot_be_compared(Patient: Any) -> None:
    with pytest.raises(TypeError, match="cannot be compared"):
        _ = Patient.ssn == "x"
    with pytest.raises(TypeError):
        Patient.ssn.begins_with("1")
    with pytest.raises(TypeError):
        Patient.ssn["inner"]
    await Patient(pk="p1", sk="a", ssn="x").save(condition=Patient.ssn.not_exists())
    await Patient(pk="p1", sk="a", ssn="y").save(condition=Patient.ssn.exists())
    assert (await Patient.get(pk="p1", sk="a")).ssn == "y"


async def test_kms_errors_are_encryption_exceptions(table_name: str, aws_client: DynamoDBClient) -> None:
    class Broken(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        secret = EncryptedAttribute("alias/does-not-exist")

    await Broken.create_table(wait=True)
    with pytest.raises(EncryptionException) as caught:
        await Broken(pk="a", secret="x").save()
    assert caught.value.code == "NotFoundException"
    assert "GenerateDataKey" in str(caught.value)
    assert await Broken.get(pk="a") is None, "nothing was written"


def test_bad_declarations_fail_when_the_class_is_defined() -> None:
    with pytest.raises(ValueError, match="key_id"):
        EncryptedAttribute("")
    with pytest.raises(ValueError, match="mode"):
        EncryptedAttribute("k", mode="Sometimes")
    with pytest.raises(TypeError, match="context"):
        EncryptedAttribute("k", context={"n": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="max_age"):
        DataKeyCache(max_age=0)
    with pytest.raises(ValueError, match="max_messages"):
        DataKeyCache(max_messages=0)
    with pytest.raises(TypeError, match="cannot be a key"):
        EncryptedAttribute("k", partition_key=True)
    with pytest.raises(ValueError, match="kms_endpoint_url"):
        DynamoDBClient(region="us-east-1", kms_endpoint_url="memory://x")


def test_the_stored_envelope_is_versioned_binary(Patient: Any, boto: Any, table_name: str) -> None:
    Patient(pk="p1", sk="a", ssn="x").sync_save()
    stored = raw_item(boto, table_name, "p1", sk="a")
    assert stored is not None
    blob = stored["ssn"]["B"]
    assert blob[0] == 1, "version byte"
    wrapped_len = int.from_bytes(blob[1:3], "big")
    assert len(blob) == 3 + wrapped_len + 12 + len(b"\x00\x01x") + 16
    assert base64.b64encode(blob)  # plain bytes, as boto3 hands them back


async def test_a_subclass_with_its_own_encrypted_attribute_decrypts_through_its_base(
    twin: ModelTwin, table_name: str, aws_client: DynamoDBClient, kms_key: str
) -> None:
    class Person(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True)
        sk = StringAttribute(sort_key=True)
        kind = StringAttribute(discriminator=True)
        name = StringAttribute()

    class Employee(Person):
        salary = EncryptedAttribute(kms_key)

    await twin(Person).create_table(wait=True)
    await twin(Person(pk="org", sk="1", name="visitor")).save()
    await twin(Employee(pk="org", sk="2", name="Ana", salary=Decimal("5100.50"))).save()
    people = await twin(Person).query(partition_key="org")
    assert [type(p).__name__ for p in people] == ["Person", "Employee"]
    assert people[1].salary == Decimal("5100.50")
    assert (await twin(Person).get(pk="org", sk="2")).salary == Decimal("5100.50")


async def test_a_collection_decodes_each_item_by_its_own_model(
    table_name: str, aws_client: DynamoDBClient, kms_key: str, boto: Any
) -> None:
    class Customer(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True, template="CUSTOMER#{customer_id}")
        sk = StringAttribute(sort_key=True, template="PROFILE")
        customer_id = StringAttribute()
        ssn = EncryptedAttribute(kms_key)

    class Order(Model):
        model_config = ModelConfig(table=table_name, client=aws_client)
        pk = StringAttribute(partition_key=True, template="CUSTOMER#{customer_id}")
        sk = StringAttribute(sort_key=True, template="ORDER#{order_id}")
        customer_id = StringAttribute()
        order_id = StringAttribute()
        notes = CompressedAttribute(min_size=1)
        card = EncryptedAttribute(kms_key)

    await Customer.create_table(wait=True)
    await Customer(customer_id="7", ssn="123-45-6789").save()
    for i in range(3):
        await Order(
            customer_id="7", order_id=str(i), notes="leave at the door " * 20, card=f"card-{i}"
        ).save()
    stored = raw_item(boto, table_name, "CUSTOMER#7", sk="ORDER#1")
    assert stored is not None and set(stored["notes"]) == {"B"} and set(stored["card"]) == {"B"}

    before = aws_stats()
    result = await Collection(Customer, Order).fetch(customer_id="7")
    assert [c.ssn for c in result[Customer]] == ["123-45-6789"]
    assert [(o.card, o.notes) for o in result[Order]] == [
        (f"card-{i}", "leave at the door " * 20) for i in range(3)
    ]
    assert stats_delta(before)["kms_decrypt"] <= 1, "one data key encrypted all four values"

    stored_before = raw_item(boto, table_name, "CUSTOMER#7", sk="ORDER#0")
    assert stored_before is not None

    def sync_side() -> None:
        synced = Collection(Customer, Order).sync_fetch(customer_id="7")
        order = synced[Order][0]
        assert order.card == "card-0"
        order.notes = "ring twice"
        order.sync_save()

    await asyncio.to_thread(sync_side)
    after = raw_item(boto, table_name, "CUSTOMER#7", sk="ORDER#0")
    assert after is not None and after["card"] == stored_before["card"], (
        "the unchanged card was not re-encrypted"
    )
    assert after["notes"] != stored_before["notes"]
    assert (await Order.get(customer_id="7", order_id="0")).notes == "ring twice"
