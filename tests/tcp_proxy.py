"""A plain TCP relay the tests put in front of a server (PostgreSQL, a broker, a webhook
receiver) and cut and restore: an outage of that server as its clients see it."""
import socket
import threading


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class TcpProxy:
    """Relays 127.0.0.1:<port> to ``target_port``; ``cut`` drops every connection and
    refuses new ones until ``restore``."""

    def __init__(self, target_port):
        self.target = ('127.0.0.1', target_port)
        self.port = free_port()
        self.open = True
        self.conns = []
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(('127.0.0.1', self.port))
        self.server.listen(50)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass

    def cut(self):
        self.open = False
        for sock in self.conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.conns = []

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.server.close()
