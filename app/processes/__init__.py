"""Process definitions: deployment of BPMN versions and their forms, and the vocabulary a user
task declares (the applicant contact of art. 18)."""
