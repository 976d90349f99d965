"""Drawing a document as a PDF (reportlab, its built-in Chinese CID font): letterhead, title,
number, body, date, the office's seal and a QR code to the verification page."""
import io
import math

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
RED = Color(0.8, 0.05, 0.05)
WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 72, WIDTH - 72, 150


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return lines + [line] if line else lines


def _seal(pdf: canvas.Canvas, x: float, y: float, office: str) -> None:
    """A round red seal: the office's name around a five-pointed star."""
    radius = 52
    pdf.saveState()
    pdf.setStrokeColor(RED)
    pdf.setFillColor(RED)
    pdf.setLineWidth(3)
    pdf.circle(x, y, radius)
    points = [(x + 16 * math.cos(math.radians(90 + i * 144)), y + 16 * math.sin(math.radians(90 + i * 144)))
              for i in range(5)]
    path = pdf.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    pdf.drawPath(path, fill=1, stroke=0)
    pdf.setFont(FONT, 11)
    chars = list(office)
    span = min(240, 20 * len(chars))
    for i, char in enumerate(chars):
        angle = 90 + span / 2 - (span * (i + 0.5) / len(chars))
        rad = math.radians(angle)
        pdf.saveState()
        pdf.translate(x + (radius - 14) * math.cos(rad), y + (radius - 14) * math.sin(rad))
        pdf.rotate(angle - 90)
        pdf.drawCentredString(0, -4, char)
        pdf.restoreState()
    pdf.setFont(FONT, 8)
    pdf.drawCentredString(x, y - 30, "电子印章")
    pdf.restoreState()


def _qr(pdf: canvas.Canvas, x: float, y: float, url: str, size: float = 76) -> None:
    # a fixed mask: choosing the best of eight is most of segno's time, and any mask scans
    matrix = list(segno.make(url, error="m", mask=4, boost_error=False).matrix_iter(border=2))
    cell = size / len(matrix)
    pdf.saveState()
    pdf.setFillColor(black)
    path = pdf.beginPath()  # one path, a rectangle per run of dark cells: a third of the drawing
    for row_no, cells in enumerate(matrix):
        row = list(cells)
        col_no, width = 0, len(row)
        while col_no < width:
            if not row[col_no]:
                col_no += 1
                continue
            run = col_no
            while run < width and row[run]:
                run += 1
            path.rect(x + col_no * cell, y + size - (row_no + 1) * cell, (run - col_no) * cell, cell)
            col_no = run
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def render(*, letterhead: str, title: str, document_no: str, paragraphs: list[str], office: str,
           date_text: str, verify_url: str) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(f"{title} {document_no}")
    pdf.setAuthor(office)

    def page_top() -> float:
        pdf.setFont(FONT, 15)
        pdf.setFillColor(RED)
        pdf.drawCentredString(WIDTH / 2, HEIGHT - 70, letterhead)
        pdf.setStrokeColor(RED)
        pdf.line(LEFT, HEIGHT - 82, RIGHT, HEIGHT - 82)
        pdf.setFillColor(black)
        return HEIGHT - 82

    y = page_top()
    pdf.setFont(FONT, 20)
    pdf.drawCentredString(WIDTH / 2, y - 40, title)
    pdf.setFont(FONT, 11)
    pdf.drawRightString(RIGHT, y - 62, document_no)
    y -= 92
    size, leading = 12, 20
    for paragraph in paragraphs:
        indent = 0 if paragraph.endswith("：") and len(paragraph) < 40 else 24
        for n, line in enumerate(_wrap(paragraph, size, RIGHT - LEFT - (indent if True else 0))):
            if y < BOTTOM + 40:
                pdf.showPage()
                y = page_top() - 30
            pdf.setFont(FONT, size)
            pdf.drawString(LEFT + (indent if n == 0 else 0), y, line)
            y -= leading
        y -= 4
    if y < BOTTOM + 40:
        pdf.showPage()
        page_top()
        y = HEIGHT - 200
    sign_y = max(BOTTOM + 10, min(y - 30, 300))
    pdf.setFont(FONT, 12)
    pdf.drawRightString(RIGHT - 10, sign_y + 18, office)
    pdf.drawRightString(RIGHT - 10, sign_y, date_text)
    _seal(pdf, RIGHT - 70, sign_y + 14, office)
    _qr(pdf, LEFT, 40, verify_url)
    pdf.setFont(FONT, 8)
    pdf.drawString(LEFT + 84, 100, "扫描二维码或访问以下地址核验本文书：")
    pdf.drawString(LEFT + 84, 88, verify_url)
    pdf.drawString(LEFT + 84, 76, "本文书加盖电子印章，与纸质文书具有同等法律效力。")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
