"""What a process may say to the platform (checked at deployment by app.engine.contract): the
messages the platform sends to a waiting case, the case statuses it knows, and the documents an
出具文书 step may issue (app.documents.models.KINDS; a test keeps them equal too). The statuses are
the cases' own (app.cases.models.STATUS_LABELS); a test keeps the two lists equal, because the
process layer sits below the cases and cannot import them."""

MESSAGES = {"supplement": "申请人补交材料"}

CASE_STATUSES = {
    "submitted": "已提交，待受理",
    "awaiting_correction": "待补齐补正",
    "under_review": "审查中",
    "awaiting_delivery": "待送达",
    "completed": "已办结",
    "denied": "不予批准",
    "not_accepted": "不予受理",
    "deemed_renewed": "视为准予延续",
}

DOCUMENTS = {
    "acceptance_receipt": "受理凭证",
    "correction_notice": "补齐补正材料通知书",
    "tolerance_notice": "容缺受理通知书",
    "non_acceptance_decision": "不予受理决定书",
    "denial_decision": "不予批准决定书",
    "approval": "准予行政许可决定书",
    "deemed_renewal": "视为准予延续通知书",
}
