"""The team dashboard: per employee of a team, what they look after and did, within what the caller sees."""
