"""The practice's rules, pure: time and zones, therapists' availability, matching, booking
policy, reminder times, payment amounts. Nothing here imports `db`, `handlers`,
`keyboards` or the settings; `db/` and `handlers/` both build on it."""
