"""The periodic runner: one scheduler per process runs the jobs the bootstrap registered (timer
firing, the notification outbox, policy deadlines, appointment reminders) on every round, and
wakes early when a timer falls due. It imports none of the jobs it runs."""
