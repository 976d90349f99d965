"""Parties: the applicants (citizens and companies) by their one id number (art. 17), the
checks of ID-card numbers, USCCs and phone numbers, and find-or-create. Below every feature:
imports nothing but the base."""
