"""Blank forms and filled samples (空表 / 样表) for the demo guides' form materials, drawn with
reportlab's built-in Chinese CID font (no font file needed). Output is byte-for-byte stable
(`invariant`), so seeding twice stores each file once."""
import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

FIELDS = [("申请人名称", "鄠邑区示例餐饮管理有限公司"), ("统一社会信用代码/身份证号码", "91610118MA6TXXXX0X"),
          ("法定代表人（负责人）", "张三"), ("联系电话", "138××××0000"), ("住所（地址）", "西安市鄠邑区××路××号"),
          ("申请事项", ""), ("申请日期", "2026年11月30日"), ("申请人签字（盖章）", "张三（印）")]


def render(title: str, item_name: str, sample: bool) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(f"{title}（{'样表' if sample else '空表'}）")
    width, height = A4
    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, height - 80, title)
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(width / 2, height - 104, f"（{item_name}）")
    top, row, left, split, right = height - 140, 36, 60, 250, width - 60
    for i, (label, value) in enumerate(FIELDS):
        y = top - i * row
        pdf.rect(left, y - row, right - left, row)
        pdf.line(split, y, split, y - row)
        pdf.drawString(left + 8, y - 23, label)
        if sample:
            pdf.drawString(split + 8, y - 23, value or item_name)
    if sample:
        pdf.saveState()
        pdf.setFont(FONT, 72)
        pdf.setFillGray(0.85)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(35)
        pdf.drawCentredString(0, 0, "样表")
        pdf.restoreState()
    pdf.setFont(FONT, 9)
    pdf.drawString(left, 60, "填写说明：请用黑色签字笔或钢笔填写，字迹清楚，不得涂改。")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
