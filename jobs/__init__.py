"""Plain, idempotent jobs (reminders, summary) that take ``today`` as an argument."""
