"""Email: one send function, three backends (smtp, GOV.UK Notify, outbox)."""
