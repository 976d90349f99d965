"""The director's board: a hall's day at a glance (service.py)."""
