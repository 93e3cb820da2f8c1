"""The database keeps residents' data to itself (issue 11, item 7).

deploy/pg.sh's cluster asks a password (SCRAM) of every TCP connection and
lets only its OS owner in over the socket (peer); each role's generated
password lives in a password file only the service user can read; the
ledger's conninfo names that file, so `--db` works unchanged. The reports
role reads the figures and the cases, but never residents' names and
phones.
"""
import os
import pwd
import shutil
import subprocess
import tempfile

import psycopg2
import psycopg2.errors
import pytest

import liandong
from liandong import pb
from test_ledger import Ledger, REGISTRY, rid

PHONE = "13800138000"


@pytest.fixture(scope="module")
def cluster():
    workdir = tempfile.mkdtemp(prefix="liandong-roles-")
    os.chmod(workdir, 0o755)  # pg.sh's unprivileged user must enter it
    pgdir = os.path.join(workdir, "pg")
    port = liandong.free_ports(1)[0]
    r = subprocess.run(["bash", liandong.PG_SH, "start", pgdir, str(port)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr

    def conninfo(who):
        c = subprocess.run(["bash", liandong.PG_SH, "conninfo", pgdir, str(port), who],
                           capture_output=True, text=True, timeout=30, check=True)
        return c.stdout.strip()
    try:  # a failed set-up must not leave the cluster running
        info = {"workdir": workdir, "pgdir": pgdir, "port": port,
                "ledger": r.stdout.strip().splitlines()[-1], "report": conninfo("report"),
                "super": conninfo("super")}
        assert info["ledger"] == conninfo("ledger")
        yield info
    finally:
        subprocess.run(["bash", liandong.PG_SH, "stop", pgdir], capture_output=True, timeout=120)
        if not os.environ.get("LIANDONG_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def case_with_phone(cluster):
    """A ledger on the password-protected conninfo commits a case with a
    resident's phone (and so has applied every migration)."""
    led = Ledger(cluster["workdir"], cluster["ledger"], name="roles")
    try:
        led.wait_ready()
        ans = led.call(registry_import=pb.RegistryImport(
            json=open(REGISTRY, encoding="utf-8").read()))
        assert ans.WhichOneof("body") == "registry_imported", ans
        d = pb.Demand(channel="hotline", channel_id=rid("roles"), text="电梯坏了",
                      address="某小区3栋", resident_name="王女士", resident_phone=PHONE)
        p = pb.Placement(category="elevator", tier="compound", body_id="PC-YH",
                         body_kind="property_company", urgency=pb.URGENCY_NORMAL,
                         reply_due_hours=24, resolve_due_hours=168,
                         compound_code="JA-DH-CZ-1-01")
        ans = led.call(create_case=pb.CreateCase(demand=d, placement=p))
        assert ans.WhichOneof("body") == "case_created", ans
        yield ans.case_created.case_id
    finally:
        assert led.stop() == 0, led.log()


def without_password(conninfo):
    """The same conninfo with no password file (and none by default)."""
    parts = [p for p in conninfo.split() if not p.startswith("passfile=")]
    return " ".join(parts + ["passfile=/nonexistent"])


@pytest.mark.parametrize("who", ("ledger", "report", "super"))
def test_tcp_without_the_password_is_refused(cluster, who):
    with pytest.raises(psycopg2.OperationalError) as e:
        psycopg2.connect(without_password(cluster[who]))
    assert "password" in str(e.value)
    with pytest.raises(psycopg2.OperationalError) as e:
        psycopg2.connect(without_password(cluster[who]) + " password=wrong")
    assert "password authentication failed" in str(e.value)
    # With its password file, the role comes in.
    conn = psycopg2.connect(cluster[who])
    conn.close()


def test_password_files_are_the_service_users_alone(cluster):
    for who in ("ledger", "report", "super"):
        path = next(p.split("=", 1)[1] for p in cluster[who].split()
                    if p.startswith("passfile="))
        st = os.stat(path)
        assert st.st_mode & 0o777 == 0o600, (path, oct(st.st_mode))
        assert st.st_uid == os.getuid()
        if os.getuid() == 0:  # the cluster's own OS user cannot read it either
            owner = pwd.getpwnam("liandong").pw_name
            r = subprocess.run(["runuser", "-u", owner, "--", "cat", path],
                               capture_output=True, text=True, cwd="/")
            assert r.returncode != 0 and r.stdout == ""
    hba = open(os.path.join(pg_datadir(cluster), "pg_hba.conf")).read()
    rules = [line.split() for line in hba.splitlines() if line and not line.startswith("#")]
    assert rules == [["local", "all", "all", "peer", "map=owner"],
                     ["host", "all", "all", "127.0.0.1/32", "scram-sha-256"]]


def pg_datadir(cluster):
    r = subprocess.run(["bash", liandong.PG_SH, "datadir", cluster["pgdir"]],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def test_the_ledger_reads_phones_the_report_role_cannot(cluster, case_with_phone):
    with psycopg2.connect(cluster["ledger"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT resident_phone FROM cases WHERE case_id = %s", (case_with_phone,))
        assert cur.fetchone()[0] == PHONE
    conn = psycopg2.connect(cluster["report"])
    conn.autocommit = True
    cur = conn.cursor()
    # The figures and the case, without the person.
    cur.execute("SELECT case_id, body_id, state, text FROM cases WHERE case_id = %s",
                (case_with_phone,))
    assert cur.fetchone()[1] == "PC-YH"
    cur.execute("SELECT count(*) FROM case_events WHERE case_id = %s", (case_with_phone,))
    assert cur.fetchone()[0] >= 2
    cur.execute("SELECT sum(received) FROM figures_body_daily")
    assert cur.fetchone()[0] >= 1
    for sql in ("SELECT resident_phone FROM cases", "SELECT resident_name FROM cases",
                "SELECT * FROM cases", "SELECT c FROM cases c"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(sql)
    for sql in ("UPDATE cases SET text = 'x'", "DELETE FROM figures_body_daily",
                "INSERT INTO units (code, kind, name) VALUES ('X', 'city', 'x')",
                "CREATE TABLE leak AS SELECT 1"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(sql)
    conn.close()


# Columns that hold a resident's personal data, by name, in any table; and
# tables that are personal as a whole. A migration that adds one must hide
# it from the reports role (deploy/schema/016_report_hidden.sql).
PERSONAL_COLUMNS = ("resident_name", "resident_phone", "resident_email", "openid")
PERSONAL_TABLES = ("wechat_bindings", "wechat_messages")


def test_no_personal_column_anywhere_is_readable_by_reports(cluster, case_with_phone):
    """Every migration applied (case_with_phone ran the ledger): the reports
    role may not SELECT any column named as personal data, in any table,
    nor the personal tables at all. Found missing once: the 015 migrations
    each redefined ld_grant_report() and the last one dropped the others'
    rules (case_reporters' names and phones were readable)."""
    conn = psycopg2.connect(cluster["super"], dbname="liandong")
    try:
        cur = conn.cursor()
        cur.execute("SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND column_name = ANY(%s)",
                    (list(PERSONAL_COLUMNS),))
        personal = cur.fetchall()
        assert ("cases", "resident_phone") in personal  # the query finds what it must
        readable = []
        for table, column in personal:
            cur.execute("SELECT has_column_privilege('liandong_report', %s, %s, 'SELECT')",
                        (f"public.{table}", column))
            if cur.fetchone()[0]:
                readable.append(f"{table}.{column}")
        for table in PERSONAL_TABLES:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{table}",))
            if not cur.fetchone()[0]:
                continue
            cur.execute("SELECT has_table_privilege('liandong_report', %s, 'SELECT')",
                        (f"public.{table}",))
            if cur.fetchone()[0]:
                readable.append(table)
        assert readable == [], f"the reports role can read: {readable}"
    finally:
        conn.close()
