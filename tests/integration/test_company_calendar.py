"""The company calendar through the gateway: every appointment anyone in the tenant has with the company, that is
linked to the company itself or to one of its contact persons, or with one of its persons taking part, as far
as the caller may see (docs/calendar.md, "Views and free/busy")."""

from __future__ import annotations

from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.test_calendar_api import _appointment
from tests.integration.test_companies_api import Api, _problem
from tests.integration.test_followups_dashboard import _employee, _rpc, _team

WINDOW = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}


def _person(api: Api, company: dict, last_name: str) -> dict:
    created = api.post(f"/companies/{company['id']}/persons", json={"last_name": last_name})
    assert created.status_code == 201, created.text
    return created.json()


def _view(api: Api, company: dict) -> dict[str, dict]:
    """The company's calendar as ``api``'s caller sees it: appointment id -> its first occurrence."""
    answer = api.get(f"/calendars/companies/{company['id']}", params=WINDOW)
    assert answer.status_code == 200, answer.text
    items: dict[str, dict] = {}
    for item in answer.json()["items"]:
        items.setdefault(item["appointment_id"], item)
    return items


def test_the_company_view_includes_appointments_with_its_contact_persons(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Vertrieb Nord")
    anna_id, anna = _employee(stack, boss, "Anna", [team])
    ben_id, ben = _employee(stack, boss, "Ben", [])
    company, other = boss.company(), boss.company()
    bens = ben.company(access_level="private")  # anna may not see it, nor its persons
    person, colleague = _person(boss, company, "Kundin"), _person(boss, company, "Kollege")
    stranger, hidden = _person(boss, other, "Fremd"), _person(ben, bens, "Verborgen")

    on_company = _appointment(ben, subject="Firma", links=[{"type": "company", "id": company["id"]}])
    on_person = _appointment(ben, subject="Person", links=[{"type": "contact_person", "id": person["id"]}])
    taking_part = _appointment(ben, subject="Teilnahme", participants=[
        {"kind": "contact_person", "id": colleague["id"], "status": "accepted"}])
    with_hidden = _appointment(ben, subject="Gemischt", links=[
        {"type": "contact_person", "id": person["id"]}, {"type": "contact_person", "id": hidden["id"]}])
    elsewhere = _appointment(ben, subject="Andere Firma", links=[{"type": "contact_person", "id": stranger["id"]}])
    only_hidden = _appointment(ben, subject="Nur Bens", links=[{"type": "contact_person", "id": hidden["id"]}])
    weekly = _appointment(ben, subject="Serie", rrule="FREQ=WEEKLY;COUNT=2",
                          links=[{"type": "contact_person", "id": person["id"]}])
    private = _appointment(ben, private=True)  # times only: it names nobody, so no company view shows it

    wanted = {on_company["id"], on_person["id"], taking_part["id"], with_hidden["id"], weekly["id"]}
    for caller in (boss, anna, ben):
        assert set(_view(caller, company)) == wanted
    assert elsewhere["id"] in _view(anna, other) and only_hidden["id"] not in _view(anna, other)
    assert private["id"] not in _view(boss, company)
    # A series shows each occurrence; anna sees the mixed one without ben's hidden person.
    answer = anna.get(f"/calendars/companies/{company['id']}", params=WINDOW).json()["items"]
    assert sum(i["appointment_id"] == weekly["id"] for i in answer) == 2
    mixed = _view(anna, company)[with_hidden["id"]]
    assert hidden["id"] not in str(mixed) and person["id"] in str(mixed), mixed
    # Ben's private company: his own and the manager's view show the appointment with its person; anna gets 404.
    assert set(_view(ben, bens)) == set(_view(boss, bens)) == {only_hidden["id"], with_hidden["id"]}
    _problem(anna.get(f"/calendars/companies/{bens['id']}", params=WINDOW), 404)

    # A role that may not read contact persons (the tenant's rights table) sees the company's own links only.
    _rpc(stack, boss.token, identity_pb2_grpc.RightsServiceStub, "SetRight", identity_pb2.SetRightRequest(
        right=identity_pb2.Right(role=identity_pb2.ROLE_SALES_REP, entity_type="contact_person")))
    assert set(_view(anna, company)) == {on_company["id"]}
    assert set(_view(boss, company)) == wanted
    assert anna_id and ben_id
