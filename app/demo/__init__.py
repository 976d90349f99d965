"""Demo data for `make run` and the tests: halls, users, processes, guides (app/demo/guides/),
policies, appointment slots and consultations. Idempotent."""
