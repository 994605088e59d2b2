"""OPC UA security for the collector and the connection test: certificates, policies, and
failures explained in words. asyncua + cryptography, no ORM.

Texts an administrator reads are English templates marked with ``_lt`` (so that Odoo exports
them as terms of this addon); functions producing them take an optional ``translate(template,
params)`` callable, by which the Odoo caller translates them (``env._(template, **params)``,
called from the addon's own code). Without it they are formatted in English.
"""
import datetime

APP_URI = 'urn:odoo-mes:collector'

POLICY_CLASSES = {
    'Basic256Sha256': 'SecurityPolicyBasic256Sha256',
    'Aes128Sha256RsaOaep': 'SecurityPolicyAes128Sha256RsaOaep',
    'Aes256Sha256RsaPss': 'SecurityPolicyAes256Sha256RsaPss',
}


def _lt(message):
    """Mark ``message`` for Odoo's term export (Python terms are extracted with the keywords
    ``_`` and ``_lt``) without importing Odoo: the Odoo caller translates it."""
    return message


def _english(template, params):
    return template % params if params else template


def _configuration_error(template, **params):
    """A ValueError with the English text, carrying its template and parameters so that
    ``explain`` can have it translated."""
    error = ValueError(template % params if params else template)
    error.mes_template, error.mes_params = template, params
    return error


def generate_client_certificate(common_name='Odoo MES collector', app_uri=APP_URI, days=730):
    """(certificate DER, private key PEM) for the collector's application instance."""
    from asyncua.crypto import cert_gen
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID
    key = cert_gen.generate_private_key()
    cert = cert_gen.generate_self_signed_app_certificate(
        key, common_name, {'organizationName': 'Odoo MES'},
        [x509.UniformResourceIdentifier(app_uri), x509.DNSName('localhost')],
        extended=[ExtendedKeyUsageOID.CLIENT_AUTH], days=days)
    return (cert.public_bytes(serialization.Encoding.DER),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()))


async def apply(client, policy, mode, certificate=None, private_key=None,
                server_certificate=None):
    """Configure an asyncua client for ``policy`` / ``mode`` (names as in the server record)."""
    if not policy or policy == 'None':
        return
    from asyncua import ua
    from asyncua.crypto import security_policies
    from asyncua.crypto.uacrypto import CertProperties
    if not certificate or not private_key:
        raise _configuration_error(_lt(
            'Security policy %(policy)s needs the client certificate and private key: generate '
            'or upload them on the server record.'), policy=policy)
    client.application_uri = APP_URI
    policy_class = getattr(security_policies, POLICY_CLASSES[policy])
    # content given as bytes: say which encoding each one is in
    key_format = 'pem' if private_key.lstrip().startswith(b'-----') else 'der'
    cert_format = 'pem' if certificate.lstrip().startswith(b'-----') else 'der'
    await client.set_security(
        policy_class, certificate=CertProperties(certificate, extension=cert_format),
        private_key=CertProperties(private_key, extension=key_format),
        server_certificate=server_certificate or None,
        mode=getattr(ua.MessageSecurityMode, mode))


async def make_client(settings, timeout=5):
    """The one way to an asyncua client for a server: secured (policy, mode, certificates)
    and authenticated (user name and password, or X.509 user certificate) from its settings
    dict (``url``, ``policy``, ``mode``, ``certificate``, ``private_key``,
    ``server_certificate``, ``username``, ``password``, ``user_certificate``). The connection
    test, the browse dialog and the collector all connect through it."""
    from asyncua import Client
    client = Client(settings['url'], timeout=timeout)
    await apply(client, settings.get('policy'), settings.get('mode'),
                settings.get('certificate'), settings.get('private_key'),
                settings.get('server_certificate'))
    if settings.get('username'):
        client.set_user(settings['username'])
        client.set_password(settings.get('password') or '')
    if settings.get('user_certificate'):
        await apply_user_certificate(client, settings.get('certificate'),
                                     settings.get('private_key'))
    return client


async def apply_user_certificate(client, certificate, private_key):
    """Authenticate the session with an X.509 identity token (auth type "certificate")."""
    from asyncua.crypto import uacrypto
    if not certificate or not private_key:
        raise _configuration_error(_lt(
            'Certificate authentication needs the client certificate and private key: generate '
            'or upload them on the server record.'))
    key_format = 'pem' if private_key.lstrip().startswith(b'-----') else 'der'
    cert_format = 'pem' if certificate.lstrip().startswith(b'-----') else 'der'
    client.user_certificate = await uacrypto.load_certificate(certificate, cert_format)
    client.user_private_key = await uacrypto.load_private_key(private_key,
                                                              extension=key_format)


# text found in a failure -> hint template (in this order: the first match wins)
_HINTS = {
    'CertificateUntrusted': _lt("the server does not trust our client certificate: add it to "
                                "the server's trusted certificates"),
    'SecurityChecksFailed': _lt('the server refused our certificate or signature (untrusted '
                                'or wrong client certificate)'),
    'CertificateUriInvalid': _lt("the client certificate's application URI is not %(uri)s"),
    'CertificateTimeInvalid': _lt('a certificate is expired or not yet valid'),
    'ConnectionRefused': _lt('nothing listens at that address and port'),
    'TimeoutError': _lt('the server did not answer in time (address, firewall?)'),
    'UserAccessDenied': _lt('the user name or password was refused'),
    'IdentityTokenInvalid': _lt('the authentication method is not accepted by the server'),
}
_HINT_PARAMS = {'CertificateUriInvalid': {'uri': APP_URI}}


def explain(error, translate=None):
    """A failure to connect, in words an administrator can act on.

    :param translate: ``translate(template, params)`` returning the text of one of this
                      module's templates (default: English); the technical error text itself
                      is kept as it is
    """
    translate = translate or _english
    text = '%s %s' % (error.__class__.__name__, error)
    shown = text
    template = getattr(error, 'mes_template', None)
    if template:
        # our own set-up refusal (see apply): its message, translated
        shown = '%s %s' % (error.__class__.__name__, translate(template, error.mes_params))
    for needle, hint in _HINTS.items():
        if needle.lower() in text.lower():
            return '%s (%s)' % (translate(hint, _HINT_PARAMS.get(needle, {})), shown.strip())
    return shown.strip() or error.__class__.__name__


def certificate_summary(der, translate=None):
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    expires = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return (translate or _english)(_lt('%(subject)s, valid until %(date)s'), {
        'subject': cert.subject.rfc4514_string(), 'date': expires.date()})
