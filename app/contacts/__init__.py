"""Staff-contact records (art. 18: 工作人员只在规定环节与申请人接触).

Each BPMN user task may declare the kind of applicant contact its step allows; clerks record
the contacts they had with an applicant on the case; one at a step that allows none is flagged
for the supervisors of the case's hall, who review it.
"""
