from hypothesis import given, strategies as st

from kontor.contacts.companies.history import diff

fields = st.sampled_from(["name", "city", "street", "notes", "industry"])
values = st.text(max_size=5)


@given(before=st.dictionaries(fields, values, min_size=5), after=st.dictionaries(fields, values))
def test_diff_lists_exactly_the_changed_fields(before, after):
    changes = diff(before, after)
    assert [field for field, _, _ in changes] == sorted(f for f, v in after.items() if before[f] != v)
    for field, old, new in changes:
        assert (old, new) == (before[field], after[field]) and old != new


def test_unchanged_values_leave_no_trace():
    assert diff({"city": "Berlin", "name": "A"}, {"city": "Berlin"}) == []
    assert diff({"city": "Berlin", "name": "A"}, {"city": "Bonn"}) == [("city", "Berlin", "Bonn")]
