"""Roles, their Chinese labels, and which BPMN lanes each may act in."""

ADMIN = "admin"
DESIGNER = "designer"
FRONT_DESK = "front_desk"
BACK_OFFICE = "back_office"
PICKUP_WINDOW = "pickup_window"
SUPERVISOR = "supervisor"
CHIEF_REPRESENTATIVE = "chief_representative"

ROLE_LABELS = {
    ADMIN: "系统管理员",
    DESIGNER: "流程设计人员",
    FRONT_DESK: "前台综合受理",
    BACK_OFFICE: "后台分类审批",
    PICKUP_WINDOW: "综合窗口出件",
    SUPERVISOR: "督办人员",
    CHIEF_REPRESENTATIVE: "首席代表",
}
ALL_ROLES = frozenset(ROLE_LABELS)

# Roles that are held in a hall; the others (admin, designer) are global.
HALL_ROLES = frozenset({FRONT_DESK, BACK_OFFICE, PICKUP_WINDOW, SUPERVISOR, CHIEF_REPRESENTATIVE})

# Lanes a BPMN file may use: the roles that work tasks (a 即办件 names the chief representative,
# who accepts and decides in one sitting).
LANE_ROLES = frozenset({FRONT_DESK, BACK_OFFICE, PICKUP_WINDOW, SUPERVISOR, CHIEF_REPRESENTATIVE})

# Who may work a task of a lane besides the lane's own role (art. 26: the chief
# representative accepts and decides in one sitting).
LANE_DELEGATES = {
    FRONT_DESK: {CHIEF_REPRESENTATIVE},
    BACK_OFFICE: {CHIEF_REPRESENTATIVE},
}

# Staff who receive applications at a window.
INTAKE_ROLES = frozenset({FRONT_DESK, CHIEF_REPRESENTATIVE})


def roles_acting_in(lane: str) -> set[str]:
    return {lane} | LANE_DELEGATES.get(lane, set())
