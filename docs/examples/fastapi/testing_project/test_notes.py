import httpx


async def test_read(pydynox_app_client: httpx.AsyncClient, pydynox_memory_backend_seeded) -> None:
    assert (await pydynox_app_client.get("/notes/ana/n1")).json()["text"] == "hello"
    assert (await pydynox_app_client.get("/notes/ana/n2")).status_code == 404

    # The fixture in the same test is the engine the app talks to, with its fault injection.
    pydynox_memory_backend_seeded.throttle(10, operations=["GetItem"])
    throttled = await pydynox_app_client.get("/notes/ana/n1")
    assert throttled.status_code == 429 and "retry-after" in throttled.headers
