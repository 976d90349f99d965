"""预约 (art. 12): slots (published by a hall's supervisors, listed publicly), bookings made by
clerks for a phone call or a visitor, the day's list at the front desk, cancel, check in
(which receives the application). Applicants book through /api/v1/applicant/appointments."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app import clock
from app.api.applicant import account
from app.api.cases import ApplicantIn
from app.api.docs import Blueprint
from app.api.outputs import CaseOut, day, moment
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.applicants import identity
from app.appointments import service as appointments
from app.appointments.models import CHANNELS, STATES
from app.auth import roles as R
from app.http.present import present_case
from app.http.runtime import db_session, runtime

blp = Blueprint("appointments", __name__, url_prefix="/api/v1/appointments", description="预约")
applicant_blp = Blueprint("applicant_appointments", __name__, url_prefix="/api/v1/applicant/appointments",
                          description="申请人网上预约")


class SlotsIn(StrictSchema):
    hall = fields.String(required=True, validate=validate.Length(min=1, max=32, error="1–32 个字符"))
    item_code = text(64, load_default=None, allow_none=True)
    window_group = text(64, load_default=None, allow_none=True)
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    times = fields.List(text(11), required=True, validate=validate.Length(min=1, max=24, error="1–24 个时段"))
    capacity = fields.Integer(required=True, validate=validate.Range(min=0, max=500, error="应为 0–500"))


class SlotQuery(StrictSchema):
    item_code = text(64, required=True)
    hall = text(32, load_default=None)
    date_from = fields.Date(load_default=None)
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=60, error="必须在 1–60 之间"))


class CapacityIn(StrictSchema):
    capacity = fields.Integer(required=True, validate=validate.Range(min=0, max=500, error="应为 0–500"))


class BookIn(StrictSchema):
    slot_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647, error="预约时段不存在"))
    item_code = text(64, required=True)
    applicant = fields.Nested(ApplicantIn, required=True)
    channel = fields.String(required=True, validate=one_of(["phone", "on_site"]))


class DayQuery(StrictSchema):
    day = fields.Date(load_default=None)
    hall = text(32, load_default=None)
    state = fields.String(load_default=None, validate=one_of(list(STATES)))


class CheckInIn(StrictSchema):
    materials = fields.List(text(64), load_default=list)
    data = fields.Dict(load_default=dict)


class ApplicantBookIn(StrictSchema):
    slot_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647, error="预约时段不存在"))
    item_code = text(64, required=True)
    acting_for = text(18, load_default=None, allow_none=True)


class SlotOut(Schema):
    id = fields.Integer()
    hall = fields.String()
    hall_name = fields.String()
    item_code = fields.String(allow_none=True)
    window_group = fields.String(allow_none=True)
    day = day()
    starts = fields.String(metadata={"description": "HH:MM"})
    ends = fields.String(metadata={"description": "HH:MM"})
    capacity = fields.Integer()
    booked = fields.Integer()
    free = fields.Integer()


class SlotList(Schema):
    items = fields.List(fields.Nested(SlotOut))


class Published(Schema):
    created = fields.Integer(metadata={"description": "新建的时段数"})
    working_days = fields.Integer()
    scope = fields.String(metadata={"description": "item:<事项编码> 或 group:<窗口组>"})


class AppointmentOut(Schema):
    id = fields.Integer()
    booking_no = fields.String(allow_none=True)
    hall = fields.String()
    hall_name = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    day = day()
    starts = fields.String()
    ends = fields.String()
    name = fields.String()
    channel = fields.String()
    channel_label = fields.String(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    case_id = fields.Integer(allow_none=True)


class StaffAppointmentOut(AppointmentOut):
    id_type = fields.String()
    id_number = fields.String()
    phone = fields.String()
    booked_by = fields.String()
    checked_in_at = moment(allow_none=True)


class DayList(Schema):
    day = day()
    items = fields.List(fields.Nested(StaffAppointmentOut))


class MyAppointmentList(Schema):
    items = fields.List(fields.Nested(AppointmentOut))


def present_slot(slot) -> dict:
    return {"id": slot.id, "hall": slot.hall.code, "hall_name": slot.hall.name,
            "item_code": slot.item.code if slot.item else None, "window_group": slot.window_group,
            "day": slot.day.isoformat(), "starts": slot.starts, "ends": slot.ends, "capacity": slot.capacity,
            "booked": slot.booked, "free": max(slot.capacity - slot.booked, 0)}


def present(row, staff: bool = True) -> dict:
    out = {"id": row.id, "booking_no": row.booking_no, "hall": row.hall.code, "hall_name": row.hall.name,
           "item_code": row.item.code, "item_name": row.item.name, "day": row.day.isoformat(),
           "starts": row.slot.starts, "ends": row.slot.ends, "name": row.name, "channel": row.channel,
           "channel_label": CHANNELS.get(row.channel), "state": row.state, "state_label": appointments.state_label(row),
           "case_id": row.case_id}
    if staff:
        out.update(id_type=row.id_type, id_number=row.id_number, phone=row.phone, booked_by=row.booked_by,
                   checked_in_at=row.checked_in_at.isoformat() if row.checked_in_at else None)
    return out


@blp.route("/slots")
class Slots(MethodView):
    @blp.doc(security=[])
    @blp.arguments(SlotQuery, location="query")
    @blp.returns(200, SlotList)
    @blp.errors(404)
    def get(self, args):
        """Public: the coming slots for an item (its own windows and the halls' window groups), with free seats."""
        slots = appointments.open_slots(db_session(), args["item_code"], args["hall"], args["date_from"], args["days"])
        return {"items": [present_slot(s) for s in slots]}

    @require_roles(R.SUPERVISOR, R.CHIEF_REPRESENTATIVE, R.ADMIN)
    @blp.arguments(SlotsIn)
    @blp.returns(201, Published)
    @blp.errors(403, 404)
    def post(self, args):
        """Publish slots for every working day of a date range (holidays skipped, adjusted workdays kept)."""
        result = appointments.publish_slots(db_session(), principal(), hall_code=args["hall"],
                                            item_code=args["item_code"], window_group=args["window_group"],
                                            date_from=args["date_from"], date_to=args["date_to"],
                                            times=args["times"], capacity=args["capacity"])
        return result, 201


@blp.route("/slots/<int(max=2147483647):slot_id>")
class Slot(MethodView):
    @require_roles(R.SUPERVISOR, R.CHIEF_REPRESENTATIVE, R.ADMIN)
    @blp.arguments(CapacityIn)
    @blp.returns(200, SlotOut)
    @blp.errors(403, 404, 409)
    def patch(self, args, slot_id):
        """Change a slot's capacity (never below the seats already booked; 0 closes it)."""
        return present_slot(appointments.set_capacity(db_session(), principal(), slot_id, args["capacity"]))


@blp.route("")
class Appointments(MethodView):
    @require_roles(*R.HALL_ROLES, R.ADMIN)
    @blp.arguments(BookIn)
    @blp.returns(201, StaffAppointmentOut)
    @blp.errors(403, 404, 409)
    def post(self, args):
        """Book for someone who phoned or came in (name, id number and phone are required)."""
        slot = appointments.slot_for_staff(db_session(), principal(), args["slot_id"])
        row = appointments.book(db_session(), slot_id=slot.id, item_code=args["item_code"], applicant=args["applicant"],
                                channel=args["channel"], booked_by=principal().username)
        return present(row), 201

    @require_roles(*R.HALL_ROLES, R.ADMIN)
    @blp.arguments(DayQuery, location="query")
    @blp.returns(200, DayList)
    @blp.errors(403)
    def get(self, args):
        """The day's bookings (default today) in your halls, by time."""
        day = args["day"] or clock.now().astimezone(clock.LOCAL_TZ).date()
        rows = appointments.of_day(db_session(), principal(), day, args["hall"], args["state"])
        return {"day": day.isoformat(), "items": [present(r) for r in rows]}


@blp.route("/<int(max=2147483647):appointment_id>/cancel")
class Cancel(MethodView):
    @require_roles(*R.HALL_ROLES, R.ADMIN)
    @blp.returns(200, StaffAppointmentOut)
    @blp.errors(403, 404, 409)
    def post(self, appointment_id):
        row = appointments.staff_get(db_session(), principal(), appointment_id)
        return present(appointments.cancel(db_session(), row, principal().username))


@blp.route("/<int(max=2147483647):appointment_id>/check-in")
class CheckIn(MethodView):
    @require_roles(R.FRONT_DESK, R.CHIEF_REPRESENTATIVE, R.ADMIN)
    @blp.arguments(CheckInIn)
    @blp.response(201, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, args, appointment_id):
        """The visitor is here: check in and receive the application (收件) for the booked item."""
        case = appointments.check_in(db_session(), principal(), appointment_id, materials=args["materials"],
                                     data=args["data"], runtime=runtime())
        return present_case(case, db_session(), detail=True, history_too=False)


@applicant_blp.route("")
class MyAppointments(MethodView):
    @applicant_blp.returns(200, MyAppointmentList)
    def get(self):
        """My bookings, newest first."""
        return {"items": [present(r, staff=False) for r in appointments.of_account(db_session(), account().id)]}

    @applicant_blp.arguments(ApplicantBookIn)
    @applicant_blp.returns(201, AppointmentOut)
    @applicant_blp.errors(404, 409)
    def post(self, args):
        """Book a slot for myself or a company on file; the booking is sent to my phone."""
        me = account()
        who = identity.acting_as(me, args["acting_for"])
        row = appointments.book(db_session(), slot_id=args["slot_id"], item_code=args["item_code"],
                                applicant={"name": who.name, "id_type": who.id_type, "id_number": who.id_number,
                                           "phone": me.phone},
                                channel="online", booked_by=f"applicant:{me.phone}", account_id=me.id)
        return present(row, staff=False), 201


@applicant_blp.route("/<int(max=2147483647):appointment_id>/cancel")
class MyCancel(MethodView):
    @applicant_blp.returns(200, AppointmentOut)
    @applicant_blp.errors(404, 409)
    def post(self, appointment_id):
        me = account()
        return present(appointments.cancel_own(db_session(), me.id, appointment_id, f"applicant:{me.phone}"), staff=False)
