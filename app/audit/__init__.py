"""Consistency checks an administrator runs (`flask audit check`): task rows against the case
history, open tasks against the process position, closed cases with open tasks or pending
timers, event sequences and hash chains, documents and materials against their events and
files, overdue timers (a lease nobody took over), duplicate firings and messages."""
