"""The HTTP shell both faces share (`api` and `web` never import each other): the runtime of
the current app, the database session, the signed-in principal of a page session, the case
presenters, file responses, request helpers and the form-handler pattern of the pages."""
