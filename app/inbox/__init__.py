"""Task inboxes: task queries for the clerks and the task operations (claim, release, transfer,
urge)."""
