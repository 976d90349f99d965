"""The applicants' own pages (signed in by phone): apply online, follow and supplement cases,
rate them, book and cancel appointments."""
