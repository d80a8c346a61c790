"""free_port_env moves every port of the stack to a distinct free one (a test or benchmark stack beside make dev)."""

from kontor.devstack.topology import free_port_env, load_topology


def test_every_port_is_moved_and_none_is_taken_twice():
    env = free_port_env()
    moved = load_topology(env)
    claims = moved.port_claims()
    assert {claim.env_var for claim in claims} == set(env)
    assert [claim.port for claim in claims] == [int(env[claim.env_var]) for claim in claims]
    assert len({claim.port for claim in claims}) == len(claims) == len(load_topology({}).port_claims())
