"""Process definitions: deployment of BPMN versions, their forms, and the running-case counts per version."""
