"""Staff, roles and halls: users with hashed passwords, roles per hall (the hall tree of art.
19-21), tokens, and the principal every permission check asks."""
