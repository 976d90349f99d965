"""Every feature's models, imported in one place so the metadata (migrations, tests) is complete."""
from app.applicants.models import (  # noqa: F401
    AccountCompany,
    ApplicantAccount,
    ApplicantSession,
    LookupAttempt,
    SignInCode,
)
from app.appointments.models import Appointment, AppointmentSlot  # noqa: F401
from app.auth.models import Hall, LoginFailure, User, UserRole  # noqa: F401
from app.calendar.models import CalendarRevision, CalendarYear, Holiday  # noqa: F401
from app.cases.models import Case, CaseEvent, CaseMaterial  # noqa: F401
from app.cases.tasks import Task  # noqa: F401
from app.catalog.models import GuideMaterial, GuideVersion, RetainedCertificate, ServiceItem  # noqa: F401
from app.consultations.models import Consultation  # noqa: F401
from app.contacts.models import ContactRecord  # noqa: F401
from app.documents.models import Document, DocumentSequence, SealKey  # noqa: F401
from app.evaluation.models import Complaint, Evaluation, Rectification  # noqa: F401
from app.evaluation.tablets import RatingOffer, RatingTablet, TabletPairingFailure  # noqa: F401
from app.files.models import StoredFile  # noqa: F401
from app.notify.models import Notification  # noqa: F401
from app.parties.models import Applicant  # noqa: F401
from app.policies.models import Policy, policy_item  # noqa: F401
from app.processes.models import ProcessDefinition  # noqa: F401
from app.reference import ReferenceRevision  # noqa: F401
from app.timers.models import Job  # noqa: F401
