"""Policy documents (政策文件, art. 30): published within 15 working days of being made, with
their interpretation, linked to the service items they affect."""
