"""Staff pages: sign-in and navigation, the inbox and task forms, dossiers, consultations,
appointments, contacts, rectifications and complaints, the modeler, policies, administration."""
