"""Background jobs (APScheduler): reminders, expiring holds, closing past sessions."""
