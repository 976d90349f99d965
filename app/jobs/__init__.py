"""The periodic runner: a scheduler runs the jobs the bootstrap registered (timer firing, policy
deadlines, appointment reminders, the notification outbox) on every round, and wakes early when
a timer falls due. It imports none of the jobs it runs. Any number may run, in one process or
many: the jobs claim their work so that nothing runs twice."""
