"""OneWindow: the BPMN platform of a district government service centre."""


def create_app(config: str | dict | None = None):
    # Imported here, not at the top: importing any app.<module> (the domain core, a unit test)
    # must not load Flask and every face.
    from app.factory import create_app as create

    return create(config)
