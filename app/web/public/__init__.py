"""Public pages, no sign-in: the catalogue and guides (with the question form), policies,
document verification and e-delivery, the progress lookup and complaints."""
