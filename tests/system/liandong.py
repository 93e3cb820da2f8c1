"""liandong.py - helpers for Liandong's system tests.

Starts a private PostgreSQL cluster (deploy/pg.sh) and the three services on
free loopback ports, runs the `petition` CLI, and talks to the sockets
directly with protobuf Envelopes over a ZeroMQ DEALER.

Everything that encodes an assumption about another component's interface
(command-line flags, the CLI's JSON shapes, framing on the wire) lives in the
"Interface assumptions" section below, so that one edit adapts every test.

Binaries come from $LIANDONG_BUILD (default: build), relative to the repo.
"""

import hashlib
import json as jsonlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("LIANDONG_BUILD", "build"))
BIN = os.path.join(BUILD, "bin")
PG_SH = os.path.join(ROOT, "deploy", "pg.sh")
REGISTRY = os.path.join(ROOT, "deploy", "registry", "sample.json")
SCHEMA_DIR = os.path.join(ROOT, "deploy", "schema")
LEXICON_DIR = os.path.join(ROOT, "deploy", "lexicon")

# CURVE is on by default everywhere (lib/secure.h). LIANDONG_INSECURE=1 runs
# every process, and these helpers, on plain TCP instead.
INSECURE = os.environ.get("LIANDONG_INSECURE") == "1"

READY_TIMEOUT = float(os.environ.get("LIANDONG_READY_TIMEOUT", "20"))
STOP_TIMEOUT = 15.0      # seconds a service gets to exit after SIGTERM
CLI_TIMEOUT = 30.0       # one `petition` invocation

# ---------------------------------------------------------------------------
# Interface assumptions (adjust here when the services settle)
# ---------------------------------------------------------------------------

# Frames put before the Envelope on a DEALER. [] = the services are ROUTERs
# that answer [identity, envelope]; [b""] would be REQ-style framing.
WIRE_PREFIX = []

# CURVE identities ("role.id", files <role>.<id>.key/.pub in the keys
# directory that `petition keys bootstrap` fills). Which key each socket
# serves with, and which key this harness presents to it.
SERVER_IDENTITY = {"router": "service.router", "desk": "service.router",
                   "ledger": "service.ledger"}
CLIENT_IDENTITY = {"router": "frontend.hotline", "desk": "body.JA-DISPATCH",
                   "ledger": "operator.admin"}


def body_identity(body_id):
    """The key a department body acts with (the CLI's --identity)."""
    return f"body.{body_id}"


def frontend_identity(channel):
    """The key a channel's front-end submits with."""
    return f"frontend.{channel}"


# Keys the CLI's JSON answers must carry.
SUBMIT_KEYS = ("case_id", "duplicate", "category", "tier", "body_id", "body_kind",
               "cc", "urgency", "reply_due_hours", "resolve_due_hours")
DESK_KEYS = ("case_id", "body_id", "state", "category")
RATE_KEYS = ("key", "name", "received", "replied", "reply_rate")
# reply_rate as the CLI prints it: 1.0 means a fraction (0.861), 100.0 a
# percentage (86.1).
RATE_SCALE = 1.0


def ledger_argv(ep, conninfo):
    argv = ["--listen", ep["ledger"], "--events", ep["events"], "--db", conninfo,
            "--schema-dir", SCHEMA_DIR]
    if "metrics" in ep:  # HTTP, not ZeroMQ: HOST:PORT
        argv += ["--metrics", ep["metrics"].removeprefix("tcp://")]
    return argv


def router_argv(ep):
    return ["--listen", ep["router"], "--desk", ep["desk"], "--ledger", ep["ledger"],
            "--lexicon", LEXICON_DIR, "--alerts", ep["alerts"]]


def notifier_argv(ep):
    # Every endpoint explicit: a default port may be taken by another
    # Liandong on the same machine (a developer's `make run`, a parallel test).
    return ["--listen", ep["notifier"], "--ledger", ep["ledger"], "--events", ep["events"],
            "--alerts", ep["alerts"], "--router", ep["router"]]


def gateway_argv(ep, api_keys_path):
    # HTTP, not ZeroMQ: HOST:PORT. Few threads: tests share two cores.
    return ["--http", ep["gateway"].removeprefix("tcp://"), "--router", ep["router"],
            "--ledger", ep["ledger"], "--api-keys", api_keys_path, "--http-threads", "4"]


# Open311 api_keys the harness issues (services/gateway/api_keys.h): one
# front-end per channel here, each key bound to its channel.
GATEWAY_API_KEY_CHANNELS = ("hotline", "mailbox")


def api_key_line(channel, key):
    """A line of the gateway's --api-keys file: the key's SHA-256, never the key."""
    return f"{channel} sha256:{hashlib.sha256(key.encode()).hexdigest()}\n"


def submit_args(channel, channel_id, text, address=None, compound=None, urgency=None):
    args = ["submit", "--channel", channel, "--id", channel_id, "--text", text]
    if address:
        args += ["--address", address]
    if compound:
        args += ["--compound", compound]
    if urgency:
        args += ["--urgency", urgency]
    return args


def submit_answer(ans):
    """Validate the parsed answer of `petition submit --json`."""
    assert isinstance(ans, dict), f"submit --json: {ans!r}"
    missing = [k for k in SUBMIT_KEYS if k not in ans]
    assert not missing, f"submit --json lacks {missing}: {ans!r}"
    return ans


def desk_rows(parsed):
    """`petition desk --json` prints one JSON object per line; System.petition
    parses that as a list (a single line parses as one object)."""
    rows = [parsed] if isinstance(parsed, dict) else list(parsed)
    for r in rows:
        missing = [k for k in DESK_KEYS if k not in r]
        assert not missing, f"desk --json row lacks {missing}: {r!r}"
    return rows


def rate_rows(parsed):
    """Rows of `petition rates --json`: {"rows": [...]}."""
    assert isinstance(parsed, dict) and isinstance(parsed.get("rows"), list), \
        f"rates --json: {parsed!r}"
    for r in parsed["rows"]:
        missing = [k for k in RATE_KEYS if k not in r]
        assert not missing, f"rates row lacks {missing}: {r!r}"
    return parsed["rows"]


# ---------------------------------------------------------------------------
# Protobuf
# ---------------------------------------------------------------------------

def _load_pb2():
    # Generated by `make` into BUILD/gen/py; fall back to build/ so a
    # sanitizer run can still find it.
    for d in (os.path.join(BUILD, "gen", "py"), os.path.join(ROOT, "build", "gen", "py")):
        if os.path.exists(os.path.join(d, "liandong_pb2.py")):
            if d not in sys.path:
                sys.path.insert(0, d)
            import liandong_pb2  # noqa: E402
            return liandong_pb2
    raise RuntimeError(f"liandong_pb2.py not found under {BUILD}/gen/py: run `make`")


pb = _load_pb2()


def new_request_id(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------
# Ports and processes
# ---------------------------------------------------------------------------

def free_ports(n):
    """n distinct free loopback TCP ports. All sockets are held open until
    every port is chosen, so the kernel cannot hand out one port twice."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def tcp_open(port, host="127.0.0.1", timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"<{path}: {e}>"
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


class Service:
    def __init__(self, name, argv, log_dir, env):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.argv = [os.path.join(BIN, name)] + argv
        self._log = open(self.log_path, "ab")
        # stdout and stderr both go to the log; stdin closed so a service
        # that tries to read it fails loudly instead of hanging.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM, wait; returns the exit status (negative: killed by that
        signal; None: had to be SIGKILLed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode


class CliError(AssertionError):
    pass


class System:
    """A private Liandong: PostgreSQL + ledger + router + notifier + gateway."""

    def __init__(self, workdir=None):
        for b in ("ledger", "router", "notifier", "gateway", "petition"):
            if not os.access(os.path.join(BIN, b), os.X_OK):
                raise RuntimeError(f"{BIN}/{b} missing: run `make` (LIANDONG_BUILD={BUILD})")
        self.workdir = workdir or tempfile.mkdtemp(prefix="liandong-st-")
        # pg.sh runs PostgreSQL as an unprivileged user when we are root;
        # mkdtemp makes 0700 directories, which that user could not enter.
        os.chmod(self.workdir, 0o755)
        self.log_dir = os.path.join(self.workdir, "log")
        os.makedirs(self.log_dir, exist_ok=True)
        self.pg_dir = os.path.join(self.workdir, "pg")
        ports = free_ports(9)
        self.pg_port = ports[0]
        self.ports = dict(zip(("ledger", "events", "router", "desk", "alerts", "notifier",
                               "metrics", "gateway"), ports[1:]))
        self.ep = {k: f"tcp://127.0.0.1:{p}" for k, p in self.ports.items()}
        self.services = {}
        self.conninfo = None
        self.env = dict(os.environ)
        self.env["LIANDONG_ROUTER"] = self.ep["router"]
        self.env["LIANDONG_LEDGER"] = self.ep["ledger"]
        self.keys_dir = os.path.join(self.workdir, "keys")
        self.env["LIANDONG_KEYS"] = self.keys_dir
        # The web console (services/gateway/console*.c) acts on the router's
        # desk socket for a body's staff; its accounts and audit file.
        self.env["LIANDONG_DESK"] = self.ep["desk"]
        self.console_dir = os.path.join(self.workdir, "console")
        self.env["LIANDONG_CONSOLE_ACCOUNTS"] = os.path.join(self.console_dir, "accounts")
        self.env["LIANDONG_CONSOLE_AUDIT"] = os.path.join(self.console_dir, "audit.log")
        # Sanitizer builds: report leaks and make any finding a non-zero exit,
        # unless the caller (tests/run.sh) already chose options.
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.cli_log = os.path.join(self.log_dir, "petition.log")
        # The gateway's HTTP base URL and the Open311 api_key of each channel.
        self.http = f"http://127.0.0.1:{self.ports['gateway']}"
        self.api_keys = {c: secrets.token_urlsafe(24) for c in GATEWAY_API_KEY_CHANNELS}
        self.api_keys_path = os.path.join(self.workdir, "gateway_api_keys")

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def accelerate(self, speed, start_ms=None):
        """Runs every process of this system (services and CLI) on one
        accelerated clock (lib/clock.h): `speed` simulated ms per real ms,
        anchored now (or at start()), so that processes started one after
        the other agree on the simulated time. start_ms: the simulated time
        at the anchor (default: the anchor itself)."""
        self.env["LIANDONG_CLOCK_SPEED"] = str(speed)
        self.env["LIANDONG_CLOCK_ANCHOR_MS"] = str(int(time.time() * 1000))
        if start_ms is not None:
            self.env["LIANDONG_CLOCK_START_MS"] = str(start_ms)
        return self

    def sim_ms(self, wall_ms=None):
        """The simulated time at wall_ms (default: now) on this system's
        clock, by lib/clock.h's formula."""
        wall_ms = int(time.time() * 1000) if wall_ms is None else wall_ms
        speed = float(self.env.get("LIANDONG_CLOCK_SPEED") or 1)
        anchor = int(self.env.get("LIANDONG_CLOCK_ANCHOR_MS") or 0)
        start = int(self.env.get("LIANDONG_CLOCK_START_MS") or 0)
        if speed == 1 and not start:
            return wall_ms
        assert anchor, "an accelerated clock without an anchor is each process's own"
        return (start or anchor) + int((wall_ms - anchor) * speed)

    def _start(self):
        # An accelerated clock asked for in the environment without an
        # anchor gets one here: each process would start its own otherwise.
        if self.env.get("LIANDONG_CLOCK_SPEED", "1") not in ("", "1") and \
                not self.env.get("LIANDONG_CLOCK_ANCHOR_MS"):
            self.env["LIANDONG_CLOCK_ANCHOR_MS"] = str(int(time.time() * 1000))
        if not INSECURE:
            # Keys for the services, the operator, every front-end and body.
            self.petition("keys", "bootstrap", "--registry", REGISTRY, "--dir", self.keys_dir,
                          json=False)
        r = subprocess.run(["bash", PG_SH, "start", self.pg_dir, str(self.pg_port)],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"pg.sh start failed:\n{r.stdout}\n{r.stderr}")
        self.conninfo = r.stdout.strip().splitlines()[-1]

        self.services["ledger"] = Service("ledger", ledger_argv(self.ep, self.conninfo),
                                          self.log_dir, self.env)
        # The ledger owns the registry; importing it doubles as the ledger's
        # readiness check (it needs its database and schema for that).
        self._retry("registry import", lambda: self.petition(
            "registry", "import", REGISTRY, json=False, timeout=5))
        self.services["router"] = Service("router", router_argv(self.ep), self.log_dir, self.env)
        self.services["notifier"] = Service("notifier", notifier_argv(self.ep), self.log_dir,
                                            self.env)
        self._retry("petition ping", lambda: self.petition("ping", json=False, timeout=5))
        with open(self.api_keys_path, "w", encoding="ascii") as f:
            f.writelines(api_key_line(c, k) for c, k in self.api_keys.items())
        self.services["gateway"] = Service("gateway", gateway_argv(self.ep, self.api_keys_path),
                                           self.log_dir, self.env)
        self._retry_until_open("gateway", self.ports["gateway"])

    def _retry_until_open(self, what, port):
        deadline = time.monotonic() + READY_TIMEOUT
        while not tcp_open(port):
            self.assert_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} not listening after {READY_TIMEOUT}s\n"
                                   + self.logs())
            time.sleep(0.1)

    def _retry(self, what, fn):
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self.assert_alive()
            try:
                return fn()
            except (CliError, subprocess.TimeoutExpired) as e:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} not ready after {READY_TIMEOUT}s: {e}\n"
                                       + self.logs()) from None
            time.sleep(0.2)

    def assert_alive(self):
        dead = {n: s.proc.returncode for n, s in self.services.items() if not s.alive()}
        if dead:
            raise AssertionError(f"services exited: {dead}\n" + self.logs())

    def stop(self, check=True):
        """Stop services (front-ends first, the ledger last), then PostgreSQL.
        With check, a service that exits non-zero (or must be killed) fails."""
        bad = {}
        for name in ("gateway", "notifier", "router", "ledger"):
            s = self.services.get(name)
            if s is not None:
                rc = s.stop()
                if rc != 0:
                    bad[name] = "killed after SIGTERM timeout" if rc is None else rc
        subprocess.run(["bash", PG_SH, "stop", self.pg_dir], capture_output=True, timeout=120)
        if check and bad:
            raise AssertionError(f"services did not exit cleanly: {bad}\n" + self.logs())

    def logs(self, lines=60):
        out = []
        paths = [(n, os.path.join(self.log_dir, f"{n}.log"))
                 for n in ("ledger", "router", "notifier", "gateway", "petition")]
        paths.append(("postgresql", os.path.join(self.pg_dir, "server.log")))
        for name, p in paths:
            if os.path.exists(p):
                out.append(f"----- {name} ({p}) -----\n{tail(p, lines)}")
        return "\n".join(out)

    # -- CLI -----------------------------------------------------------------

    def petition(self, *args, json=True, check=True, timeout=CLI_TIMEOUT, identity=None):
        """Run the CLI. json=True appends --json and returns the parsed output
        (a dict, or a list for JSON-lines output); json=False returns the
        CompletedProcess. check: a non-zero exit raises CliError. identity:
        the CURVE key to act with (default: the CLI's, operator.admin)."""
        argv = [os.path.join(BIN, "petition"), "--router", self.ep["router"],
                "--ledger", self.ep["ledger"]]
        if identity:
            argv += ["--identity", identity]
        argv += args
        if json:
            argv.append("--json")
        r = subprocess.run(argv, capture_output=True, timeout=timeout, env=self.env,
                           cwd=ROOT)
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        with open(self.cli_log, "a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(args)}  -> {r.returncode}\n{err}")
        if check and r.returncode != 0:
            raise CliError(f"petition {' '.join(args)} exited {r.returncode}\n"
                           f"stdout: {out[-2000:]}\nstderr: {err[-2000:]}")
        if not json:
            return r
        text = out.strip()
        try:
            return jsonlib.loads(text)
        except ValueError:
            # JSON lines (desk) parse as a list of objects.
            return [jsonlib.loads(line) for line in text.splitlines() if line.strip()]

    def console_account(self, principal, password):
        """A web console account (petition accounts set), with the person's
        key created in the keys directory when missing."""
        os.makedirs(self.console_dir, mode=0o700, exist_ok=True)
        argv = [os.path.join(BIN, "petition"), "--keys", self.keys_dir, "accounts", "set",
                "--principal", principal]
        r = subprocess.run(argv, input=password + "\n", capture_output=True, text=True,
                           timeout=CLI_TIMEOUT, env=self.env, cwd=ROOT)
        if r.returncode != 0:
            raise CliError(f"petition accounts set {principal}: {r.stderr}")

    # -- database ------------------------------------------------------------

    def db(self):
        import psycopg2
        return psycopg2.connect(self.conninfo)

    def wire(self, which, identity=None, **kw):
        """A DEALER on the `which` socket (router, desk, ledger), presenting
        CLIENT_IDENTITY[which] (or `identity`) unless CURVE is off."""
        if INSECURE:
            return WireClient(self.ep[which], **kw)
        me = load_key(self.keys_dir, identity or CLIENT_IDENTITY[which])
        server = load_key(self.keys_dir, SERVER_IDENTITY[which], public_only=True)
        return WireClient(self.ep[which], curve=(me, server["public"]), **kw)


# ---------------------------------------------------------------------------
# ZeroMQ
# ---------------------------------------------------------------------------

def load_key(keys_dir, identity, public_only=False):
    """{"public": b"Z85", "secret": b"Z85"} from <identity>.key (or only the
    public half from <identity>.pub); format in lib/curve.h."""
    path = os.path.join(keys_dir, identity + (".pub" if public_only else ".key"))
    key = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            if name in ("public", "secret"):
                key[name] = value.encode("ascii")
    assert "public" in key and (public_only or "secret" in key), f"bad key file {path}"
    return key


class WireClient:
    """A DEALER speaking Envelopes. Use as a context manager. curve:
    (our key as from load_key, the server's Z85 public key), or None for
    plain TCP."""

    def __init__(self, endpoint, timeout=5.0, curve=None):
        import zmq
        self.zmq = zmq
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        # linger 0: a test that ends with unsent garbage must not hang.
        self.sock.setsockopt(zmq.LINGER, 0)
        # A DEALER blocks a send while it has no peer, and a peer that fails
        # the CURVE handshake never appears: bound the wait so a refused
        # client reads as "no answer" instead of hanging the test run.
        self.sock.setsockopt(zmq.SNDTIMEO, int(timeout * 1000))
        if curve is not None:
            me, server_public = curve
            self.sock.setsockopt(zmq.CURVE_SECRETKEY, me["secret"])
            self.sock.setsockopt(zmq.CURVE_PUBLICKEY, me["public"])
            self.sock.setsockopt(zmq.CURVE_SERVERKEY, server_public)
        self.sock.connect(endpoint)
        self.endpoint = endpoint
        self.timeout = timeout

    def close(self):
        self.sock.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_frames(self, frames, must=True):
        """True when queued. When no peer took it within the timeout: an
        assertion failure, or False with must=False (a refused client)."""
        try:
            self.sock.send_multipart(list(WIRE_PREFIX) + list(frames))
        except self.zmq.Again:
            assert not must, f"{self.endpoint}: no peer took the message"
            return False
        return True

    def send(self, env, must=True):
        if not env.request_id:
            env.request_id = new_request_id()
        if not self.send_frames([env.SerializeToString()], must):
            return None
        return env.request_id

    def recv_frames(self, timeout=None):
        """The next message's frames (prefix stripped), or None on timeout."""
        t = self.timeout if timeout is None else timeout
        if not self.sock.poll(int(t * 1000)):
            return None
        frames = self.sock.recv_multipart()
        n = len(WIRE_PREFIX)
        return frames[n:]

    def recv(self, timeout=None, strict=True):
        """Next answer as an Envelope (None on timeout); it is the last frame.
        The services' ROUTERs treat every frame before the Envelope as routing
        and echo it, so an answer to a one-frame request must be one frame
        (strict); after a multi-frame request, echoed frames come first."""
        frames = self.recv_frames(timeout)
        if frames is None:
            return None
        if strict:
            assert len(frames) == 1, f"answer from {self.endpoint} has {len(frames)} frames"
        env = pb.Envelope()
        env.ParseFromString(frames[-1])
        return env

    def drain(self, timeout=0.5, strict=True):
        """Every answer that arrives within timeout of the previous one."""
        out = []
        while True:
            env = self.recv(timeout, strict)
            if env is None:
                return out
            out.append(env)

    def request(self, env, timeout=None):
        """Send env and return the answer with the same request_id (skipping
        stray answers to earlier garbage), or None on timeout."""
        rid = self.send(env, must=False)
        if rid is None:
            return None
        t = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + t
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ans = self.recv(left)
            if ans is None:
                return None
            if ans.request_id == rid:
                return ans

    def ping(self, timeout=None):
        env = pb.Envelope()
        env.ping.SetInParent()
        return self.request(env, timeout)
