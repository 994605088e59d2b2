"""Sending one MES event message to one destination: a webhook (``requests``), an MQTT broker
(``paho-mqtt``, QoS 1) or an AMQP 0-9-1 broker (``pika``, publisher confirms). Plain Python:
the dispatcher holds one transport per subscription and calls ``send``; any failure raises
``DeliveryError`` (the event stays queued). Success means the destination has taken the
message: a 2xx answer, the broker's PUBACK, the broker's confirm."""
import logging
import os
import ssl
import time

from . import events as event_lib

_logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class WebhookTransport:
    def __init__(self, config):
        import requests
        self.config = config
        self.session = requests.Session()

    def send(self, message, document=None):
        import requests
        body, content_type = _body(message, document)
        headers = dict(self.config.get('headers') or {})
        headers.update({
            'Content-Type': content_type, 'User-Agent': 'mes-odoo-event-dispatcher',
            'X-MES-Event-Id': message['id'], 'X-MES-Event-Type': message['type'],
            event_lib.SIGNATURE_HEADER: event_lib.signature(
                self.config['signing_key'], time.time(), body),
        })
        try:
            response = self.session.post(self.config['url'], data=body, headers=headers,
                                         timeout=self.config['timeout'],
                                         allow_redirects=False)
        except requests.RequestException as error:
            raise DeliveryError('%s: %s' % (type(error).__name__, error)) from error
        if not 200 <= response.status_code < 300:
            raise DeliveryError('HTTP %s: %s' % (response.status_code, response.text[:300]))
        return 'HTTP %s' % response.status_code

    def close(self):
        self.session.close()


def _body(message, document):
    """The bytes sent: the event's JSON, or the B2MML document made of it."""
    if document is not None:
        return document, 'application/xml'
    return event_lib.canonical(message), 'application/json'


def _password(config):
    name = config.get('password_env')
    return os.environ.get(name) if name else None


class MqttTransport:
    """QoS 1 publications on one connection; ``send`` returns when the broker acknowledged
    (PUBACK)."""

    def __init__(self, config):
        self.config = config
        self.client = None

    def _connect(self):
        import paho.mqtt.client as mqtt
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id='mes-dispatcher-%d-%d' % (os.getpid(), self.config['id']),
                             clean_session=True)
        if self.config.get('username'):
            client.username_pw_set(self.config['username'], _password(self.config))
        if self.config.get('tls'):
            client.tls_set_context(ssl.create_default_context())
        try:
            client.connect(self.config['host'], self.config.get('port') or (
                8883 if self.config.get('tls') else 1883), keepalive=30)
        except OSError as error:
            raise DeliveryError('MQTT connect: %s' % error) from error
        client.loop_start()
        deadline = time.monotonic() + self.config['timeout']
        while not client.is_connected():
            if time.monotonic() > deadline:
                client.loop_stop()
                raise DeliveryError('MQTT: no CONNACK from %s' % self.config['host'])
            time.sleep(0.01)
        self.client = client

    def send(self, message, document=None):
        return self.send_many([message], [document])[0]

    def send_many(self, messages, documents=None):
        """Publish all, then wait for every PUBACK (pipelined); raises on the first failure:
        the caller treats the batch as not delivered from that message on."""
        if self.client is None or not self.client.is_connected():
            self.close()
            self._connect()
        infos = []
        for message, document in zip(messages, documents or [None] * len(messages)):
            topic = event_lib.render_template(self.config['topic_template'], message)
            info = self.client.publish(topic, _body(message, document)[0], qos=1)
            infos.append(info)
        deadline = time.monotonic() + self.config['timeout']
        results = []
        for info in infos:
            try:
                info.wait_for_publish(timeout=max(0.01, deadline - time.monotonic()))
            except (RuntimeError, ValueError) as error:
                self.close()
                raise DeliveryError('MQTT publish: %s' % error) from error
            if not info.is_published():
                self.close()
                raise DeliveryError('MQTT: no PUBACK within %ss' % self.config['timeout'])
            results.append('PUBACK')
        return results

    def close(self):
        if self.client is not None:
            try:
                self.client.loop_stop()
                self.client.disconnect()
            except Exception:  # noqa: BLE001 - closing a dead connection
                _logger.debug('closing the MQTT connection', exc_info=True)
            self.client = None


class AmqpTransport:
    """Persistent messages to a topic exchange with publisher confirms; ``send`` returns when
    the broker confirmed (and refuses an unroutable message: mandatory)."""

    def __init__(self, config):
        self.config = config
        self.connection = None
        self.channel = None

    def _connect(self):
        import pika
        credentials = pika.PlainCredentials(self.config.get('username') or 'guest',
                                            _password(self.config) or 'guest')
        params = pika.ConnectionParameters(
            host=self.config['host'], port=self.config.get('port') or (
                5671 if self.config.get('tls') else 5672),
            virtual_host=self.config.get('virtual_host') or '/', credentials=credentials,
            ssl_options=pika.SSLOptions(ssl.create_default_context())
            if self.config.get('tls') else None,
            socket_timeout=self.config['timeout'], blocked_connection_timeout=self.config[
                'timeout'], connection_attempts=1, heartbeat=30)
        try:
            self.connection = pika.BlockingConnection(params)
            self.channel = self.connection.channel()
            self.channel.confirm_delivery()
            self.channel.exchange_declare(self.config['exchange'], exchange_type='topic',
                                          durable=True)
        except pika.exceptions.AMQPError as error:
            self.close()
            raise DeliveryError('AMQP connect: %r' % error) from error

    def send(self, message, document=None):
        import pika
        body, content_type = _body(message, document)
        if self.channel is None or self.channel.is_closed:
            self.close()
            self._connect()
        routing_key = event_lib.render_template(self.config['routing_key_template'], message)
        try:
            self.channel.basic_publish(
                self.config['exchange'], routing_key, body,
                properties=pika.BasicProperties(
                    content_type=content_type, delivery_mode=2,
                    message_id=message['id'], type=message['type']),
                mandatory=True)
        except pika.exceptions.UnroutableError as error:
            raise DeliveryError('AMQP: no queue is bound for %s' % routing_key) from error
        except (pika.exceptions.AMQPError, OSError) as error:
            self.close()
            raise DeliveryError('AMQP publish: %r' % error) from error
        return 'confirmed'

    def send_many(self, messages, documents=None):
        return [self.send(message, document) for message, document in zip(
            messages, documents or [None] * len(messages))]

    def close(self):
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except Exception:  # noqa: BLE001 - closing a dead connection
            _logger.debug('closing the AMQP connection', exc_info=True)
        self.connection = self.channel = None


TRANSPORTS = {'webhook': WebhookTransport, 'mqtt': MqttTransport, 'amqp': AmqpTransport}


def transport_for(config):
    return TRANSPORTS[config['destination']](config)
