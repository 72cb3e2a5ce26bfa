"""What the features share: the screen helper, the conversation's screens (`Flow`), the
catalogue's screens (`Catalog`), invoices and the notices' letters. Feature modules import
this package, `db/`, `keyboards/` and `bot/`, never each other."""
