"""Sessions: refresh-token families, rotated on every use, revoked on reuse, logout and "log out everywhere"."""
