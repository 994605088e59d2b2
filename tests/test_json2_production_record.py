"""The review queue, the QA release and certificates over JSON-2, as a QA system or a
customer portal would: a real server, API keys, HTTP only. Uses the demo records: the done
syringe order released and certified, the order with the deviation waiting with flags."""
import base64
import io

import pypdf
import pytest

MES = 'mes_bridge.group_mes_%s'


@pytest.fixture(scope='module')
def qa_manager(make_api_user):
    return make_api_user('json2_dhr_qa', [MES % 'quality_manager'])


@pytest.fixture(scope='module')
def operator(make_api_user):
    return make_api_user('json2_dhr_operator', [MES % 'operator'])


def test_review_queue_release_refusal_and_certificate(qa_manager, operator):
    queue = qa_manager.call('mes.production.record', 'search_read',
                            domain=[('state', '=', 'review')],
                            fields=['name', 'open_flag_count', 'flag_ids', 'lot_ids'])
    waiting = [r for r in queue if r['open_flag_count']]
    assert waiting, queue
    record = waiting[0]
    flags = qa_manager.call('mes.production.record.flag', 'read', ids=record['flag_ids'],
                            fields=['kind', 'description', 'acknowledged'])
    assert 'deviation' in {f['kind'] for f in flags}
    # the release is refused, naming what is open; nothing is signed
    refused = qa_manager.raw('mes.production.record', 'mes_release', ids=[record['id']],
                             login='json2_dhr_qa', password='x')
    assert refused.status_code == 422, refused.text
    assert 'not acknowledged' in refused.json()['message']
    # an operator acknowledges nothing
    denied = operator.raw('mes.production.record.flag', 'mes_acknowledge',
                          ids=record['flag_ids'][:1], comment='fine')
    assert denied.status_code == 403, denied.text

    # the released demo lot: its certificate as a PDF
    [released] = qa_manager.call('mes.production.record', 'search_read',
                                 domain=[('state', '=', 'released')], fields=['lot_ids'],
                                 limit=1)
    answer = qa_manager.call('stock.lot', 'mes_certificate_pdf', ids=released['lot_ids'][:1])
    data = base64.b64decode(answer['pdf'])
    assert data.startswith(b'%PDF')
    text = '\n'.join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert 'Certificate of Conformance' in text and answer['name'] in text
    # an unreleased lot has no certificate: a clear refusal
    refused = qa_manager.raw('stock.lot', 'mes_certificate_pdf', ids=record['lot_ids'][:1])
    assert refused.status_code == 422, refused.text
    assert 'released lots only' in refused.json()['message']

