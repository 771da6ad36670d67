from hubdesk.server.testing import LiveServer


def test_smoke(sqlite_server: LiveServer, make_laptop) -> None:
    laptop = make_laptop(sqlite_server)
    batch = laptop.batch(laptop.items(3))
    r = laptop.post(batch)
    print(r.status_code, r.text)
    assert r.status_code == 200
    r2 = laptop.post(batch)
    assert r2.json()["results"] == r.json()["results"]
    print(laptop.get("/v1/reference", limit=5).text[:600])
    print(laptop.get(f"/v1/batches/{batch['batch_id']}").status_code)
