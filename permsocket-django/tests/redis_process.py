"""A private redis-server on a free 127.0.0.1 port for the tests that need a real Redis, stopped
by its PID."""
import socket
import subprocess
import time


def free_port():
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    """Starts redis-server (no persistence) and waits until it answers."""

    def __init__(self):
        import redis

        port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def flush(self):
        """Empties the database between tests."""
        self.client.flushdb()

    def stop(self):
        """Stops the server by its PID."""
        self.client.close()
        self.process.terminate()
        self.process.wait(5)
