"""Hooks that the schemathesis CLI loads for test_openapi_fuzz.py (``SCHEMATHESIS_HOOKS``).

Every request carries the token of the next seeded user (so the per-user rate limit is not what answers),
and every other request with path parameters names real records of the seeded tenant, so the fuzzer also
gets past the 404 of a random id into the services behind the gateway. Both depend only on the order of
the calls, which a single worker with deterministic generation keeps the same from run to run.
"""

from __future__ import annotations

import itertools
import json
import os

import schemathesis

TOKENS = itertools.cycle(json.loads(os.environ["KONTOR_FUZZ_TOKENS"]))
IDS: dict[str, list[str]] = json.loads(os.environ["KONTOR_FUZZ_IDS"])
CALLS = itertools.count()


def _key(path: str, name: str) -> str:
    if name == "id":  # /groups/{id}, /pools/{id}
        return "groups" if path.startswith("/api/v1/groups/") else "pools"
    if name == "record_id":  # /companies/{record_id}/..., /persons/{record_id}/...
        return "company_id" if path.startswith("/api/v1/companies/") else "person_id"
    return name


@schemathesis.hook
def before_call(context, case, kwargs):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {next(TOKENS)}"}
    call = next(CALLS)
    if call % 2 and case.path_parameters:
        for name in list(case.path_parameters):
            values = IDS.get(_key(case.path, name))
            if values:
                case.path_parameters[name] = values[call % len(values)]
