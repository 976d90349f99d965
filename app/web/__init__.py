"""Server-rendered pages (Jinja). This issue brings the public guide pages; the clerk, designer
and administrator pages follow."""
