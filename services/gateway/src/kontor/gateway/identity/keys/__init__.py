"""Token-signing keys: stored encrypted in the gateway database, rotated without logging anyone out."""
