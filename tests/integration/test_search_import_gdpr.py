"""Search, bulk import and GDPR requests over the gateway, against the real stack."""

from __future__ import annotations

import json
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.integration.helpers import apoll
from tests.integration.natsutil import read_stream
from tests.integration.test_companies_api import Api, _fields, _problem


def _search(api: Api, q: str, **params) -> list[dict]:
    answer = api.get("/search", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _upload(api: Api, content: bytes, name: str = "firmen.csv", **form):
    return api.post("/imports", files={"file": (name, content, "text/csv")}, data=form)


def _finished(api: Api, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/imports/{job_id}").json()
        if job["status"] != "running":
            return job
        time.sleep(0.3)
    raise AssertionError(f"import {job_id} still running after {timeout}s")


async def _sql(stack, tenant: uuid.UUID | None, *statements: str):
    """Run statements as the contacts service role (the table owner), in ``tenant``; the last one's scalar."""
    engine = create_async_engine(stack.database_url("contacts"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("SELECT set_config('kontor.tenant_id', :t, true)"), {"t": str(tenant or "")})
            result = None
            for statement in statements:
                result = await conn.execute(sa.text(statement))
            return result.scalar() if result is not None and result.returns_rows else None
    finally:
        await engine.dispose()


def test_search_is_typo_tolerant_ranked_paged_and_shows_only_what_the_caller_may_see(stack):
    api, other = Api(stack), Api(stack)
    muster = api.company(name="Muster GmbH", city="Berlin", postal_code="10115")
    api.company(name="Muster Bau AG", city="Köln", postal_code="50667")
    api.company(name="Beispiel AG", city="Hamburg", postal_code="20095")
    gone = api.company(name="Musterlöschung KG", city="Berlin")
    assert api.delete(f"/companies/{gone['id']}", headers={"If-Match": '"1"'}).status_code == 204
    person = api.post(f"/companies/{muster['id']}/persons", json={
        "first_name": "Jürgen", "last_name": "Schäfer", "emails": [{"address": "j.schaefer@muster-gmbh.de"}]}).json()
    other.company(name="Muster GmbH", city="Berlin", postal_code="10115")  # another tenant's twin

    hits = _search(api, "mustr gmbh berln")
    assert [hit["id"] for hit in hits] == [muster["id"]]
    assert hits[0] | {"score": 0} == {"type": "company", "id": muster["id"], "title": "Muster GmbH",
                                       "subtitle": "10115 Berlin", "score": 0, "company_id": muster["id"]}
    assert {hit["title"] for hit in _search(api, "muster", types="company")} == {"Muster Bau AG", "Muster GmbH"}
    assert gone["id"] not in {hit["id"] for hit in _search(api, "musterloschung")}
    assert [hit["id"] for hit in _search(api, "10115")] == [muster["id"]]
    assert [hit["id"] for hit in _search(api, "koeln", types="company")] == []  # folding, not spelling rules
    assert [hit["title"] for hit in _search(api, "Koln")] == ["Muster Bau AG"]

    people = _search(api, "jurgen schafer", types="person")
    assert [(hit["type"], hit["id"], hit["subtitle"], hit["company_id"]) for hit in people] == [
        ("person", person["id"], "j.schaefer@muster-gmbh.de", muster["id"])]
    assert [hit["id"] for hit in _search(api, "schaefer@muster")] == [person["id"]]

    first = api.get("/search", params={"q": "muster", "page_size": 1}).json()
    second = api.get("/search", params={"q": "muster", "page_size": 1, "page_token": first["next_page_token"]}).json()
    assert first["next_page_token"] and first["items"][0]["id"] != second["items"][0]["id"]
    assert _fields(_problem(api.get("/search", params={"q": "muster", "page_token": first["next_page_token"],
                                                        "types": "person"}), 422)) == ["page_token"]
    assert _fields(_problem(api.get("/search", params={"q": "x"}), 422)) == ["q"]
    assert _fields(_problem(api.get("/search", params={"q": "muster", "types": "invoice"}), 422)) == ["types"]

    assert {hit["id"] for hit in _search(other, "muster gmbh")} .isdisjoint({muster["id"], person["id"]})
    portal = Api(stack, tenant=api.tenant, roles=("portal_client",))
    _problem(portal.get("/search", params={"q": "muster"}), 403)
    technician = Api(stack, tenant=api.tenant, roles=("technician",))
    assert muster["id"] in {hit["id"] for hit in _search(technician, "muster gmbh")}


GOOD_CSV = ("Firma;Straße;PLZ;Ort;Land;Vorname;Nachname;Kontakt-E-Mail;Telefon;Lieblingsfarbe\n"
            "Import Müller GmbH;Hauptstraße 1;80331;München;Deutschland;Jörg;Schäfer;joerg@import-mueller.de;"
            "089 123456;blau\n"
            "Import Müller GmbH;;;München;;Anna;Bauer;anna@import-mueller.de;;grün\n"
            "Import Beispiel AG;;20095;Hamburg;DE;;;;;\n")


def test_import_of_a_good_windows_1252_file_and_a_rerun_that_imports_nothing_twice(stack):
    api = Api(stack)
    content = GOOD_CSV.encode("cp1252")
    started = _upload(api, content)
    assert started.status_code == 202, started.text
    assert started.headers["Location"] == f"/api/v1/imports/{started.json()['id']}"
    job = _finished(api, started.json()["id"])
    assert (job["status"], job["format"], job["total_rows"], job["imported"], job["skipped"], job["errors"]) == (
        "completed", "csv", 3, 3, 0, 0)
    assert job["ignored_columns"] == ["Lieblingsfarbe"]
    first, second, third = job["rows"]
    assert first["company_id"] == second["company_id"] != third["company_id"]  # one company, two persons
    company = api.get(f"/companies/{first['company_id']}").json()
    assert (company["name"], company["city"], company["country"]) == ("Import Müller GmbH", "München", "DE")
    persons = api.get(f"/companies/{first['company_id']}/persons").json()["items"]
    assert sorted(p["last_name"] for p in persons) == ["Bauer", "Schäfer"]
    assert [hit["id"] for hit in _search(api, "import muller munchen", types="company")] == [company["id"]]

    again = _upload(api, content, name="renamed.csv")
    assert again.json()["id"] == job["id"] and again.json()["status"] == "completed"
    assert len(api.get(f"/companies/{first['company_id']}/persons").json()["items"]) == 2
    _problem(Api(stack).get(f"/imports/{job['id']}"), 404)  # another tenant
    _problem(Api(stack, tenant=api.tenant, roles=("technician",)).post(
        "/imports", files={"file": ("x.csv", content, "text/csv")}), 403)


def test_bad_rows_and_duplicates_are_reported_per_row_and_not_imported(stack):
    api = Api(stack)
    existing = api.company(name="Schon Da GmbH", city="Bremen")
    assert api.post(f"/companies/{existing['id']}/persons", json={
        "last_name": "Da", "emails": [{"address": "dup@schon-da.de"}]}).status_code == 201
    content = ("name,city,postal_code,first_name,last_name,contact_email\n"
               "Gut GmbH,Essen,45127,,,\n"
               ",Essen,,,,\n"
               "Schlechte PLZ AG,Essen,12#45,,,\n"
               "Schon Da GmbH,Bremen,,,,\n"
               "Ohne Nachname KG,Essen,,Anna,,\n"
               "Kaputte Mail KG,Essen,,Bob,Baum,kaputt\n"
               "Neue Firma GmbH,Essen,,Cara,Clever,DUP@schon-da.de\n").encode()
    job = _finished(api, _upload(api, content).json()["id"])
    assert (job["status"], job["imported"], job["skipped"], job["errors"]) == ("completed", 1, 2, 4)
    report = {row["row"]: (row["status"], row["field"]) for row in job["rows"]}
    assert report == {1: ("imported", ""), 2: ("error", "name"), 3: ("error", "postal_code"),
                      4: ("skipped", "name"), 5: ("error", "person.last_name"),
                      6: ("error", "person.emails.0.address"), 7: ("skipped", "person.emails")}
    assert existing["id"] in job["rows"][3]["reason"]
    names = {hit["title"] for hit in _search(api, "kaputte mail")} | {hit["title"] for hit in _search(api, "nachname")}
    assert "Kaputte Mail KG" not in names and "Ohne Nachname KG" not in names
    assert _search(api, "neue firma", types="company") == []  # a row is all or nothing

    confirmed = _finished(api, _upload(api, b"name,city\nSchon Da GmbH,Bremen\n", confirm_duplicates="true")
                          .json()["id"])
    assert (confirmed["imported"], confirmed["skipped"]) == (1, 0)


def test_a_malformed_file_imports_nothing(stack):
    api = Api(stack)
    broken = ("BEGIN:VCARD\nVERSION:3.0\nFN:Eva Gut\nORG:Vcard Gut GmbH\nEND:VCARD\n"
              "BEGIN:VCARD\nVERSION:3.0\nN;;;kaputt\nORG:Vcard Kaputt GmbH\nEND:VCARD\n").encode()
    assert _fields(_problem(_upload(api, broken, name="kontakte.vcf"), 422)) == ["file"]
    assert _fields(_problem(_upload(api, b"Ort;PLZ\nBerlin;10115\n"), 422)) == ["file"]
    assert _fields(_problem(_upload(api, b"name\n\x81\x8d\x90\n"), 422)) == ["file"]
    assert _search(api, "vcard gut") == []
    good = _finished(api, _upload(api, broken.split(b"BEGIN:VCARD\nVERSION:3.0\nN;")[0], name="k.vcf")
                     .json()["id"])
    assert (good["format"], good["imported"]) == ("vcard", 1)
    assert [hit["title"] for hit in _search(api, "eva gut", types="person")] == ["Eva Gut"]


async def test_an_interrupted_import_resumes_after_its_last_committed_batch(stack):
    api = Api(stack)
    marker = uuid.uuid4().hex[:8]
    content = ("name,city\n" + "".join(f"Resume {marker} {i:03d} GmbH,Ulm\n" for i in range(1, 151))).encode()
    # A database error in the second batch (rows 101-200): row 120 cannot be written.
    trigger = f"fail_import_{marker}"
    await _sql(stack, None,
               f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"IF NEW.name = 'Resume {marker} 120 GmbH' THEN RAISE EXCEPTION 'disk full'; END IF; "
               "RETURN NEW; END $$",
               f"CREATE TRIGGER {trigger} BEFORE INSERT ON companies FOR EACH ROW EXECUTE FUNCTION {trigger}()")
    try:
        failed = _finished(api, _upload(api, content).json()["id"])
    finally:
        await _sql(stack, None, f"DROP TRIGGER {trigger} ON companies", f"DROP FUNCTION {trigger}()")
    assert (failed["status"], failed["processed_rows"], failed["imported"]) == ("failed", 100, 100)
    assert "start the same file again" in failed["error"]
    count = f"SELECT count(*) FROM companies WHERE name LIKE 'Resume {marker} %'"
    assert await _sql(stack, api.tenant, count) == 100  # the failed batch left nothing behind

    resumed = _finished(api, _upload(api, content).json()["id"])
    assert resumed["id"] == failed["id"]
    assert (resumed["status"], resumed["processed_rows"], resumed["imported"]) == ("completed", 150, 150)
    assert await _sql(stack, api.tenant, count) == 150
    assert [row["row"] for row in resumed["rows"]] == list(range(1, 151))


async def test_gdpr_export_and_erasure_are_complete_audited_and_need_the_right(stack):
    api = Api(stack)
    company = api.company(name="Datenschutz GmbH", city="Kiel")
    person = api.post(f"/companies/{company['id']}/persons", json={
        "first_name": "Greta", "last_name": "Geheim", "birthday": "1985-05-05", "notes": "mag Tee",
        "emails": [{"address": "greta@geheim-gmbh.de"}], "phones": [{"number": "0431 123456"}]}).json()
    comment = api.post(f"/persons/{person['id']}/comments", json={"body": "Greta ruft montags an"})
    assert comment.status_code == 201, comment.text
    path = f"/persons/{person['id']}"

    exported = api.get(f"{path}/export")
    assert exported.status_code == 200, exported.text
    document = exported.json()
    assert document["person"] | {} and document["person"]["last_name"] == "Geheim"
    assert document["person"]["emails"][0]["address"] == "greta@geheim-gmbh.de"
    assert document["person"]["birthday"] == "1985-05-05" and document["person"]["notes"] == "mag Tee"
    assert document["company"] == {"id": company["id"], "name": "Datenschutz GmbH", "city": "Kiel"}
    assert [c["body"] for c in document["comments"]] == ["Greta ruft montags an"]

    manager = Api(stack, tenant=api.tenant, roles=("sales_manager",))  # gdpr: read only
    assert manager.get(f"{path}/export").status_code == 200
    _problem(manager.post(f"{path}/erase"), 403)
    _problem(manager.get("/gdpr/audit"), 403)
    _problem(Api(stack, tenant=api.tenant, roles=("sales_rep",)).get(f"{path}/export"), 403)
    _problem(Api(stack).get(f"{path}/export"), 404)  # another tenant
    _problem(Api(stack).post(f"{path}/erase"), 404)

    erased = api.post(f"{path}/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json() | {"erased_fields": None} == {
        "person_id": person["id"], "version": 2, "erased_fields": None, "scrubbed_comments": 1,
        "scrubbed_audit_entries": 0}
    assert set(erased.json()["erased_fields"]) == {"birthday", "emails", "first_name", "last_name", "notes", "phones"}
    after = api.get(path).json()
    assert (after["first_name"], after["last_name"], after["emails"], after["phones"], after["birthday"],
            after["notes"], after["version"]) == ("", "Erased", [], [], None, "", 2)
    assert _search(api, "greta geheim") == [] and _search(api, "greta@geheim-gmbh.de") == []
    again = api.get(f"{path}/export").json()
    assert "Greta" not in str(again) and "geheim-gmbh" not in str(again)
    assert [c["body"] for c in again["comments"]] == ["[erased]"]

    audit = api.get("/gdpr/audit").json()["items"]
    mine = [(e["action"], e["actor"]) for e in audit if e["person_id"] == person["id"]]
    assert mine[:2] == [("export", "user-org_manager"), ("erase", "user-org_manager")]
    assert ("export", "user-sales_manager") in mine
    assert "Greta" not in str(audit)
    assert Api(stack).get("/gdpr/audit").json()["items"] == []

    async def erasure_event():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS",
                                     f"kontor.{api.tenant}.contacts.contact_person.>")
        return messages if len(messages) >= 2 else None

    event = json.loads((await apoll(erasure_event))[-1].data)
    assert event["type"] == "kontor.contacts.contact_person.updated"
    assert sorted(event["data"]["changedFields"]) == sorted(erased.json()["erased_fields"])
    assert "Greta" not in json.dumps(event) and "geheim" not in json.dumps(event).lower()
