from markupsafe import Markup, escape

from odoo import http
from odoo.http import request

_PAGE = Markup("""<!DOCTYPE html>
<html lang="%(lang)s"><head><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="robots" content="noindex"/><title>%(title)s</title>
<style>body{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
.ok{color:#1b5e20}.bad{color:#b71c1c}table{border-collapse:collapse;width:100%%}
td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left}</style></head>
<body><h1>%(title)s</h1>%(body)s</body></html>""")


MAX_PDF_BYTES = 20 * 1024 * 1024


class CertificateVerification(http.Controller):
    """Public verification of a certificate of conformance: whether it is the one issued (and,
    given its PDF, whether the file is unaltered) and whether its lots are still released.
    Shows nothing private: no customer, order, price or person."""

    @http.route('/mes/coc/<string:number>/<string:digest>', type='http', auth='public',
                methods=['GET', 'POST'], csrf=False, sitemap=False)
    def verify(self, number, digest, pdf=None, **_kw):
        # a certificate is a few hundred kilobytes: anything much larger is not one
        pdf_bytes = pdf.read(MAX_PDF_BYTES + 1) if pdf is not None and hasattr(pdf, 'read') \
            else None
        if pdf_bytes is not None and len(pdf_bytes) > MAX_PDF_BYTES:
            pdf_bytes = b''
        result = request.env['mes.certificate'].sudo()._mes_verify(number, digest, pdf_bytes)
        return request.make_response(self._page(number, digest, result), headers=[
            ('Content-Type', 'text/html; charset=utf-8'), ('Cache-Control', 'no-store')],
            status=200 if result['found'] else 404)

    def _page(self, number, digest, result):
        title = request.env._('Certificate of Conformance %(number)s', number=number)
        if not result['found']:
            body = Markup('<p class="bad"><b>%s</b></p>') % request.env._(
                'No certificate of conformance was issued with this number.')
            return _PAGE % {'lang': 'en', 'title': title, 'body': body}
        parts = []
        if result['matches']:
            parts.append(Markup('<p class="ok"><b>%s</b></p>') % request.env._(
                'This certificate matches the one issued on %(date)s UTC from the released '
                'production records.', date=result['issued']))
        else:
            parts.append(Markup('<p class="bad"><b>%s</b></p>') % request.env._(
                'This certificate does NOT match the one issued under this number: its content '
                'hash differs. Do not rely on it.'))
        if 'pdf_matches' in result:
            parts.append(Markup('<p class="%s"><b>%s</b></p>') % (
                ('ok', request.env._('The PDF file is the one issued, unaltered.')) if result['pdf_matches']
                else ('bad', request.env._('The PDF file was altered: it is not the one issued.'))))
        rows = Markup('').join(
            Markup('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>') % (
                lot['product'], lot['lot'], lot['quantity'],
                'ok' if lot['still_released'] else 'bad',
                lot['status'] if lot['still_released'] else request.env._(
                    '%(status)s since the certificate was issued: contact the manufacturer',
                    status=lot['status'])) for lot in result['lots'])
        parts.append(Markup('<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>%s'
                            '</table>') % (request.env._('Product'), request.env._('Lot / serial'), request.env._('Quantity'),
                                           request.env._('Status now'), rows))
        parts.append(Markup(
            '<form method="post" enctype="multipart/form-data"><p>%s</p>'
            '<input type="file" name="pdf" accept="application/pdf"/> '
            '<button type="submit">%s</button></form>') % (
            request.env._('Check a PDF copy of this certificate:'), request.env._('Check the file')))
        parts.append(Markup('<p><small>%s %s</small></p>') % (request.env._('Content hash:'),
                                                               escape(digest)))
        return _PAGE % {'lang': 'en', 'title': title, 'body': Markup('').join(parts)}
