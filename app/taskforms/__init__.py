"""Task forms (form-js JSON): compiled from the deployed forms, validated on the server, with
FEEL conditions."""
