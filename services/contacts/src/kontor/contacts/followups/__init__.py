"""Follow-ups ("Wiedervorlage"): dated reminders on companies and contact persons for one employee."""
