"""testee: a conformance testee as a child process (docs/testee-protocol.md).

The runner never trusts a testee: every request has a deadline; a testee that exits, is killed
by a signal, hangs past the deadline or breaks the framing is recorded as such (a runner
record the judge understands: {"runner": {"status": "died", "detail": "signal 11"}}) and is
restarted for the next request. Bodies travel as bytes: the runner does not parse a testee's
answers (the judge does), so a large graph costs one copy, not a JSON round trip in Python.
"""

import collections
import json
import os
import select
import shlex
import signal
import struct
import subprocess
import threading
import time

PROTOCOL = 1
MAX_MESSAGE = 64 << 20
STDERR_LINES = 20
START_ATTEMPTS = 3


def frame(body):
    """One message: the 4-byte little-endian length, then the body."""
    return struct.pack("<I", len(body)) + body


def encode(obj):
    """A request object as a message body (compact UTF-8 JSON)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def runner_record(status, detail):
    """The body the judge reads for a testee that gave no answer."""
    return encode({"runner": {"status": status, "detail": detail}})


class NoAnswer(Exception):
    """A request got no well-framed answer: status is died, timed_out or garbage."""

    def __init__(self, status, detail):
        super().__init__(detail)
        self.status, self.detail = status, detail


def describe_exit(returncode):
    """'signal 11' or 'exit status 3'."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "?"
        return f"signal {-returncode} ({name})"
    return f"exit status {returncode}"


class Testee:
    """One testee: NAME=COMMAND, started on demand, restarted after any failure."""

    def __init__(self, name, command, env=None, cwd=None, timeout=10.0):
        self.name, self.command, self.cwd, self.timeout = name, command, cwd, timeout
        self.argv = shlex.split(command)
        self.env = env
        self.proc = None
        self.hello = None
        self.capabilities = {}
        self.stderr_tail = collections.deque(maxlen=STDERR_LINES)
        self.starts = 0
        self.start_failures = 0
        self.broken = None  # why the testee cannot be started at all
        self.stderr_thread = None

    # -- process -------------------------------------------------------------------------

    def _drain_stderr(self, stream):
        for raw in iter(stream.readline, b""):
            self.stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def _spawn(self):
        env = dict(os.environ if self.env is None else self.env)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=self.cwd, env=env, bufsize=0,
                                     start_new_session=True)
        self.starts += 1
        self.stderr_thread = threading.Thread(target=self._drain_stderr, args=(self.proc.stderr,),
                                              daemon=True)
        self.stderr_thread.start()

    def kill(self):
        """Kill the process group and reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def ensure_started(self):
        """Start and greet the testee if it is not running. False (and self.broken) when it
        cannot be started START_ATTEMPTS times running."""
        if self.broken:
            return False
        while self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.kill()
            try:
                self._spawn()
                reply = json.loads(self.exchange(encode({"op": "hello", "protocol": PROTOCOL})))
                if not isinstance(reply, dict) or reply.get("ok") is not True:
                    raise NoAnswer("garbage", f"hello refused: {json.dumps(reply)[:200]}")
                self.hello = reply
                caps = reply.get("capabilities")
                self.capabilities = caps if isinstance(caps, dict) else {}
                self.start_failures = 0
                return True
            except (NoAnswer, OSError, ValueError) as e:
                self.kill()
                self.start_failures += 1
                if self.start_failures >= START_ATTEMPTS:
                    if self.stderr_thread is not None:
                        self.stderr_thread.join(timeout=0.5)
                    tail = "; ".join(list(self.stderr_tail)[-3:])
                    self.broken = f"testee cannot start: {e}" + (f" (stderr: {tail})" if tail else "")
                    return False
        return True

    # -- messages ------------------------------------------------------------------------

    def _read_exact(self, n, deadline):
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoAnswer("timed_out", f"no answer after {self.timeout:g} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, min(n - got, 1 << 20))
            except InterruptedError:
                continue
            if not chunk:
                code = self.proc.wait(timeout=2) if self.proc.poll() is None else self.proc.returncode
                if got or chunks:
                    raise NoAnswer("died", f"{describe_exit(code)}, inside an answer")
                raise NoAnswer("died", describe_exit(code))
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def exchange(self, body):
        """Send one request body, return the answer body (bytes). Raises NoAnswer."""
        deadline = time.monotonic() + self.timeout
        try:
            self.proc.stdin.write(frame(body))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            code = self.proc.wait(timeout=2) if self.proc.poll() is None else self.proc.returncode
            raise NoAnswer("died", describe_exit(code)) from None
        header = self._read_exact(4, deadline)
        (length,) = struct.unpack("<I", header)
        if length == 0 or length > MAX_MESSAGE:
            raise NoAnswer("garbage", f"message length {length} (bytes "
                                      f"{header.hex(' ')})")
        return self._read_exact(length, deadline)

    def ask(self, request):
        """The answer body to one request, or a runner record when there was none. A
        testee that gave no answer is killed, to be restarted by the next ask."""
        if not self.ensure_started():
            return runner_record("died", self.broken)
        self.stderr_tail.clear()  # what it writes while answering this request
        try:
            return self.exchange(encode(request))
        except NoAnswer as e:
            self.kill()
            if self.stderr_thread is not None:
                self.stderr_thread.join(timeout=0.5)
            detail = e.detail
            if self.stderr_tail:
                detail += "\n  stderr: " + "\n  stderr: ".join(list(self.stderr_tail)[-5:])
            return runner_record(e.status, detail)

    def close(self):
        """`bye`, then end of input; killed if it has not exited two seconds later."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(frame(encode({"op": "bye"})))
                self.proc.stdin.flush()
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def restart_for_garbage(self, answer_status):
        """The judge found the answer broke the protocol: the stream cannot be trusted."""
        if answer_status == "garbage":
            self.kill()


class Judge:
    """`regiontool judge`: the conformance oracle's one judge, kept running."""

    def __init__(self, regiontool):
        self.tool = str(regiontool)
        self.proc = None

    def _start(self):
        self.proc = subprocess.Popen([self.tool, "judge"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)

    def judge(self, case, reference_body, testee_body):
        """{"outcome", "reason", "testee_status"} for one case."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write(frame(encode(case)) + frame(reference_body) + frame(testee_body))
        self.proc.stdin.flush()
        header = self.proc.stdout.read(4)
        if len(header) < 4:
            raise RuntimeError(f"regiontool judge died: {describe_exit(self.proc.wait())}")
        (length,) = struct.unpack("<I", header)
        return json.loads(self.proc.stdout.read(length))

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()
            self.proc = None
