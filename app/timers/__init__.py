"""Timer jobs: one row per waiting timer (the source of truth for due times), leases, and the
wake-up announcements schedulers listen for."""
