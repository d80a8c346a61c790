"""Runtime.extra / close_extras: one client per process, made on first use, closed once at stop."""

from kontor.platform.runtime import Runtime


class _Client:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    async def close(self) -> None:
        self.log.append(self.name)


def _runtime() -> Runtime:
    return Runtime(name="demo", settings=None, db=None, verifier=None)  # type: ignore[arg-type]


async def test_an_extra_is_made_once_and_closed_once_in_the_order_named():
    rt, log, made = _runtime(), [], []

    def make(name):
        made.append(name)
        return _Client(log, name)

    first = rt.extra("contacts", lambda: make("contacts"))
    assert rt.extra("contacts", lambda: make("contacts")) is first and made == ["contacts"]
    rt.extra("blobs", lambda: make("blobs"))
    await rt.close_extras("blobs", "never-made", "contacts")
    assert log == ["blobs", "contacts"] and rt.extras == {}
    await rt.close_extras("blobs", "contacts")  # a second stop closes nothing again
    assert log == ["blobs", "contacts"]


async def test_an_extra_that_is_none_stays_none_and_needs_no_close():
    rt = _runtime()
    assert rt.extra("blobs", lambda: None) is None
    await rt.close_extras("blobs")
    assert rt.extras == {}
