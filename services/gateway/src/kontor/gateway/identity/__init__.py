"""Login at the gateway: signing keys, sessions (refresh tokens), brute-force throttling.

contacts is the directory (tenants, users, password hashes); the gateway asks
it over gRPC with its own short-lived service token and issues the tokens.
"""
