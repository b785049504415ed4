"""A partnership's settings: its file in partnerships/ parsed and checked (sheet, email, access,
reminders, retention) around the procedure it follows (procedures/)."""
