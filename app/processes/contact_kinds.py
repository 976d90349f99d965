"""The vocabulary of art. 18: at which steps staff may meet the applicant, and how a contact
took place. Part of the process model: a user task declares its kind (checked at deployment); nothing
here imports anything."""

# What a user task may declare as camunda:property applicantContact (the only values accepted).
CONTACT_KINDS = {
    "receiving": "收件",
    "acceptance": "受理",
    "window_delivery": "窗口送达",
    "inspection": "现场核查/勘查",
    "expert_review": "专家评审",
    "mediation": "调解",
    "hearing": "听证",
    "exam": "考试",
}

CONTACT_MODES = {"in_person": "当面", "phone": "电话", "video": "视频", "message": "消息"}

# Special procedures (app.catalog SPECIAL_PROCEDURE_KINDS) that consist in meeting the applicant:
# while one runs, a contact is in order whatever step the case is at.
PROCEDURE_CONTACTS = {"hearing": "hearing", "inspection": "inspection", "expert_review": "expert_review"}


def contact_label(kind: str | None) -> str | None:
    return CONTACT_KINDS.get(kind, kind) if kind else None
