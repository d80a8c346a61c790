"""The provider-neutral two-way sync engine (docs/calendar-sync.md)."""
