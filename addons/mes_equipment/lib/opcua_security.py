"""OPC UA security for the collector and the connection test: certificates, policies, and
failures explained in words. asyncua + cryptography, no ORM."""
import datetime

APP_URI = 'urn:odoo-mes:collector'

POLICY_CLASSES = {
    'Basic256Sha256': 'SecurityPolicyBasic256Sha256',
    'Aes128Sha256RsaOaep': 'SecurityPolicyAes128Sha256RsaOaep',
    'Aes256Sha256RsaPss': 'SecurityPolicyAes256Sha256RsaPss',
}


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
        raise ValueError('Security policy %s needs the client certificate and private key: '
                         'generate or upload them on the server record.' % policy)
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


async def apply_user_certificate(client, certificate, private_key):
    """Authenticate the session with an X.509 identity token (auth type "certificate")."""
    from asyncua.crypto import uacrypto
    if not certificate or not private_key:
        raise ValueError('Certificate authentication needs the client certificate and private '
                         'key: generate or upload them on the server record.')
    key_format = 'pem' if private_key.lstrip().startswith(b'-----') else 'der'
    cert_format = 'pem' if certificate.lstrip().startswith(b'-----') else 'der'
    client.user_certificate = await uacrypto.load_certificate(certificate, cert_format)
    client.user_private_key = await uacrypto.load_private_key(private_key,
                                                              extension=key_format)


def explain(error):
    """A failure to connect, in words an administrator can act on."""
    text = '%s %s' % (error.__class__.__name__, error)
    hints = [
        ('CertificateUntrusted', 'the server does not trust our client certificate: add it to '
                                 "the server's trusted certificates"),
        ('SecurityChecksFailed', 'the server refused our certificate or signature (untrusted '
                                 'or wrong client certificate)'),
        ('CertificateUriInvalid', "the client certificate's application URI is not %s" % APP_URI),
        ('CertificateTimeInvalid', 'a certificate is expired or not yet valid'),
        ('ConnectionRefused', 'nothing listens at that address and port'),
        ('TimeoutError', 'the server did not answer in time (address, firewall?)'),
        ('UserAccessDenied', 'the user name or password was refused'),
        ('IdentityTokenInvalid', 'the authentication method is not accepted by the server'),
    ]
    for needle, hint in hints:
        if needle.lower() in text.lower():
            return '%s (%s)' % (hint, text.strip())
    return text.strip() or error.__class__.__name__


def certificate_summary(der):
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    expires = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return '%s, valid until %s' % (cert.subject.rfc4514_string(), expires.date())
