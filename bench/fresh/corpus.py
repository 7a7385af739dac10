"""Fresh accuracy corpus: ~250 seeded cases in styles unlike bench.accuracy / bench.heldout.

Written without looking at the recognizers or the other corpora. Labels follow
/work/shared/POLICY_REFERENCE.md. Markup inside templates:

    ⟦TYPE:value⟧      a gold span of TYPE
    ⟦TYPE*:value⟧     a disguised gold span
    ⟦TYPE#g*:value⟧   one part of a gold span split across messages (same g = same span)

Everything not marked is, by our labelling, not a regulated entity (hard negatives).
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.fresh import ids

SEED = 20250611
POLICIES = ("healthcare", "finance", "manufacturing", "general")

BLOCK = {"SECRET", "CREDIT_CARD", "CLASSIFICATION_MARKING"}
HC = {
    "PERSON",
    "US_SSN",
    "DATE_OF_BIRTH",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "STREET_ADDRESS",
    "MEDICAL_RECORD_NUMBER",
    "HEALTH_PLAN_ID",
    "US_MBI",
    "US_NPI",
    "US_DEA",
    "US_DRIVER_LICENSE",
    "US_PASSPORT",
    "IP_ADDRESS",
    "US_ITIN",
    "IBAN_CODE",
    "US_BANK_ACCOUNT",
}
FIN = {
    "US_SSN",
    "US_ITIN",
    "IBAN_CODE",
    "US_BANK_ACCOUNT",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "DATE_OF_BIRTH",
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
}
GEN = {
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "US_SSN",
    "IBAN_CODE",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "IP_ADDRESS",
    "US_ITIN",
    "US_BANK_ACCOUNT",
    "EXPORT_CONTROL",
    "CUI_MARKING",
}
MFG = {"EXPORT_CONTROL", "CUI_MARKING", "PROPRIETARY_MARKING", "US_SSN"}


def expected_decision(policy: str, types: set[str]) -> str:
    """The decision POLICY_REFERENCE.md prescribes for a set of entity types."""
    if types & BLOCK:
        return "block"
    if policy == "healthcare":
        local = bool(types & HC)
    elif policy == "finance":
        local = (
            bool(types & FIN)
            or {"ABA_ROUTING", "US_BANK_ACCOUNT"} <= types
            or ("SWIFT_BIC" in types and bool(types & {"US_BANK_ACCOUNT", "IBAN_CODE"}))
        )
    elif policy == "manufacturing":
        local = bool(types & MFG) or (
            "PERSON" in types and bool(types & {"PHONE_NUMBER", "EMAIL_ADDRESS", "STREET_ADDRESS"})
        )
    else:
        local = bool(types & GEN)
    return "route_local" if local else "allow"


@dataclass(frozen=True)
class Msg:
    role: str
    text: str


@dataclass
class Gold:
    entity_type: str
    parts: list[tuple[int, int, int]]  # (message index, start, end)
    disguised: bool = False


@dataclass
class Case:
    id: str
    kind: str
    messages: list[Msg]
    golds: list[Gold]
    disguise: str = ""
    expected: dict[str, str] = field(default_factory=dict)


MARK = re.compile(r"⟦([A-Z_]+)(?:#(\w+))?(\*)?:(.*?)⟧", re.S)


def build_case(cid: str, kind: str, msgs: list[tuple[str, str]], disguise: str = "") -> Case:
    out_msgs: list[Msg] = []
    golds: list[Gold] = []
    groups: dict[str, Gold] = {}
    for mi, (role, tpl) in enumerate(msgs):
        text, pos = [], 0
        length = 0
        for m in MARK.finditer(tpl):
            pre = tpl[pos : m.start()]
            text.append(pre)
            length += len(pre)
            etype, grp, star, value = m.group(1), m.group(2), bool(m.group(3)), m.group(4)
            part = (mi, length, length + len(value))
            text.append(value)
            length += len(value)
            pos = m.end()
            if grp:
                if grp in groups:
                    groups[grp].parts.append(part)
                else:
                    groups[grp] = Gold(etype, [part], star)
                    golds.append(groups[grp])
            else:
                golds.append(Gold(etype, [part], star))
        text.append(tpl[pos:])
        full = "".join(text)
        assert "⟦" not in full and "⟧" not in full, (cid, full)
        out_msgs.append(Msg(role, full))
    types = {g.entity_type for g in golds}
    exp = {p: expected_decision(p, types) for p in POLICIES}
    return Case(cid, kind, out_msgs, golds, disguise if any(g.disguised for g in golds) else "", exp)


# ---------------------------------------------------------------- value pools

FIRST = [
    "Maria",
    "Chidi",
    "Priya",
    "Tomasz",
    "Aiko",
    "Liam",
    "Fatima",
    "Jean-Luc",
    "Sofia",
    "Ahmed",
    "Emily",
    "Daniel",
    "Olusegun",
    "Ingrid",
    "Mateo",
    "Hannah",
    "Ravi",
    "Bianca",
    "Kwame",
    "Yuki",
    "Eleanor",
    "Diego",
    "Nadia",
    "Patrick",
    "Mei",
    "Gustavo",
    "Anneliese",
    "Samir",
    "Rosa",
    "Declan",
]
LAST = [
    "Lopez",
    "Okafor",
    "Raghunathan",
    "Kowalczyk",
    "Tanaka",
    "O'Connor",
    "Haddad",
    "Moreau",
    "Rossi",
    "Brennan",
    "Chen",
    "Schmidt",
    "Adeyemi",
    "Lindqvist",
    "Fernandez",
    "Whitaker",
    "Subramaniam",
    "Costa",
    "Mensah",
    "Nakamura",
    "Hargreaves",
    "Alvarez",
    "Petrova",
    "Gallagher",
    "Huang",
    "Pereira",
    "Vogel",
    "Farouk",
    "Delgado",
    "Kavanagh",
]
STREETS = [
    "Maple Ridge Dr",
    "Oakwood Ave",
    "Harbor View Rd",
    "Cedar Lane",
    "W 41st St",
    "Kingsley Blvd",
    "Juniper Ct",
    "Lakeshore Dr",
    "Elm St",
    "Quarry Hill Rd",
    "Pinecrest Way",
    "N Halsted St",
]
CITIES = [
    ("Columbus", "OH", "432"),
    ("Tacoma", "WA", "984"),
    ("Austin", "TX", "787"),
    ("Albany", "NY", "122"),
    ("Raleigh", "NC", "276"),
    ("Denver", "CO", "802"),
    ("Madison", "WI", "537"),
    ("Chicago", "IL", "606"),
]
AREAS = ["212", "312", "415", "617", "713", "206", "303", "404", "503", "602", "919", "614"]
DOMAINS = ["gmail.com", "outlook.com", "northwindhealth.org", "contoso-logistics.com", "fabrikam.io", "proton.me"]


class G:
    """Seeded value generators for one case."""

    def __init__(self, r: random.Random):
        self.r = r

    def first(self) -> str:
        return self.r.choice(FIRST)

    def last(self) -> str:
        return self.r.choice(LAST)

    def name(self) -> str:
        return f"{self.first()} {self.last()}"

    def phone(self) -> str:
        r = self.r
        a, ex, ln = r.choice(AREAS), f"{r.randint(2, 9)}{r.randint(0, 9)}{r.randint(1, 9)}", f"{r.randint(0, 9999):04d}"
        if ex[1:] == "55" or ex[1:] == "11":
            ex = ex[0] + "47"
        fmt = r.choice(["({a}) {ex}-{ln}", "{a}-{ex}-{ln}", "+1 {a} {ex} {ln}", "{a}.{ex}.{ln}"])
        return fmt.format(a=a, ex=ex, ln=ln)

    def email(self, name: str | None = None) -> str:
        n = (name or self.name()).lower().replace("'", "").replace("-", "")
        f, l_ = n.split()[0], n.split()[-1]
        style = self.r.choice(["{f}.{l}", "{f0}{l}", "{f}_{l}{d}"])
        return style.format(f=f, l=l_, f0=f[0], d=self.r.randint(1, 99)) + "@" + self.r.choice(DOMAINS)

    def address(self) -> str:
        city, st, z = self.r.choice(CITIES)
        return f"{self.r.randint(12, 9870)} {self.r.choice(STREETS)}, {city}, {st} {z}{self.r.randint(10, 99)}"

    def dob(self) -> str:
        r = self.r
        y, m, d = r.randint(1938, 2004), r.randint(1, 12), r.randint(1, 28)
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        return r.choice(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{m:02d}/{d:02d}/{y}",
                f"{d} {months[m - 1][:3]} {y}",
                f"{months[m - 1]} {d}, {y}",
            ]
        )

    def date(self) -> str:
        r = self.r
        return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"

    def ts(self) -> str:
        r = self.r
        return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"

    def ip(self) -> str:
        r = self.r
        return r.choice(
            [
                f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"203.0.113.{r.randint(1, 254)}",
                f"198.51.100.{r.randint(1, 254)}",
                f"{r.randint(23, 220)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
            ]
        )

    def ipv6(self) -> str:
        return f"2001:db8:{ids.hexstr(self.r, 4)}:{ids.hexstr(self.r, 3)}::{ids.hexstr(self.r, 2)}"

    def mrn(self) -> str:
        return self.r.choice(["", "MR", "E"]) + str(self.r.randint(1000000, 99999999))

    def member(self) -> str:
        r = self.r
        return r.choice(["W", "XEH", "ZGP", "H"]) + str(r.randint(100000000, 999999999)) + r.choice(["", "01", "02"])

    def sha(self, n: int = 40) -> str:
        return ids.hexstr(self.r, n)

    def reqid(self) -> str:
        return "req_" + ids.alnum(self.r, 20)

    def money(self) -> str:
        return f"${self.r.randint(12, 48000):,}.{self.r.randint(0, 99):02d}"

    def order(self) -> str:
        return self.r.choice(["A", "SO", "ORD-", "#"]) + str(self.r.randint(10000000, 99999999))

    def semver(self) -> str:
        return f"{self.r.randint(0, 12)}.{self.r.randint(0, 40)}.{self.r.randint(0, 30)}"

    def pod(self) -> str:
        return f"{self.r.choice(['claims-api', 'ledger', 'ingest-worker', 'auth'])}-{ids.hexstr(self.r, 9)}-{ids.alnum(self.r, 5, 'bcdfghjklmnpqrstvwxz2456789')}"


def E(t: str, v: str) -> str:
    return f"⟦{t}:{v}⟧"


def D(t: str, v: str, group: str | None = None) -> str:
    return f"⟦{t}#{group}*:{v}⟧" if group else f"⟦{t}*:{v}⟧"


# ---------------------------------------------------------------- templates
# each returns (kind, [(role, template), ...], disguise)

T = Callable[[G], tuple[str, list[tuple[str, str]], str]]
TEMPLATES: list[tuple[T, int]] = []


def tpl(n: int) -> Callable[[T], T]:
    def deco(fn: T) -> T:
        TEMPLATES.append((fn, n))
        return fn

    return deco


# ---- agent tool-call transcripts


@tpl(4)
def tool_claim_lookup(g: G):
    mem, dob, nm = g.member(), g.dob(), g.name()
    cid = f"CLM-{g.r.randint(2021, 2024)}-{g.r.randint(100000, 999999)}"
    return (
        "tool_call",
        [
            ("system", "You are ClaimsBot. Use tools; never guess claim status."),
            ("user", f"is the claim for member id {E('HEALTH_PLAN_ID', mem)} paid yet?"),
            (
                "assistant",
                '{"tool_calls":[{"id":"call_%s","type":"function","function":{"name":"lookup_claim","arguments":"{\\"member_id\\": \\"%s\\", \\"dob\\": \\"%s\\"}"}}]}'
                % (ids.alnum(g.r, 8), E("HEALTH_PLAN_ID", mem), E("DATE_OF_BIRTH", dob)),
            ),
            (
                "tool",
                '{"claim_id": "%s", "status": "PAID", "patient_name": "%s", "paid_amount": %d.%02d, "paid_on": "%s"}'
                % (cid, E("PERSON", nm), g.r.randint(40, 3000), g.r.randint(0, 99), g.date()),
            ),
        ],
        "",
    )


@tpl(4)
def tool_crm(g: G):
    nm = g.name()
    em, ph, ad = g.email(nm), g.phone(), g.address()
    return (
        "tool_call",
        [
            ("user", "Pull up the customer who opened ticket SUP-%d and draft a reply." % g.r.randint(1000, 99999)),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"crm.get_customer","arguments":"{\\"ticket\\": \\"SUP-%d\\"}"}}]}'
                % g.r.randint(1000, 99999),
            ),
            (
                "tool",
                '{"name": "%s", "email": "%s", "phone": "%s", "shipping_address": "%s", "tier": "gold", "ltv": 1840.5}'
                % (E("PERSON", nm), E("EMAIL_ADDRESS", em), E("PHONE_NUMBER", ph), E("STREET_ADDRESS", ad)),
            ),
        ],
        "",
    )


@tpl(4)
def tool_sql_negative(g: G):
    return (
        "tool_call",
        [
            ("user", "How many orders shipped last week vs the week before?"),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"run_sql","arguments":"{\\"query\\": \\"SELECT date_trunc(\'week\', shipped_at) w, count(*) FROM orders WHERE shipped_at > now() - interval \'14 days\' GROUP BY 1\\"}"}}]}',
            ),
            (
                "tool",
                '[{"w": "%sT00:00:00Z", "count": %d}, {"w": "%sT00:00:00Z", "count": %d}]'
                % (g.date(), g.r.randint(900, 20000), g.date(), g.r.randint(900, 20000)),
            ),
            (
                "assistant",
                "Shipments rose by about %d%% week over week (query id %s)." % (g.r.randint(2, 40), ids.uuid(g.r)),
            ),
        ],
        "",
    )


@tpl(3)
def tool_deploy_secret(g: G):
    return (
        "tool_call",
        [
            ("user", "redeploy the ingest worker with the new creds"),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"deploy","arguments":"{\\"service\\": \\"ingest-worker\\", \\"image\\": \\"registry.internal/ingest:%s\\", \\"env\\": {\\"AWS_ACCESS_KEY_ID\\": \\"%s\\", \\"AWS_REGION\\": \\"eu-west-1\\"}}"}}]}'
                % (g.semver(), E("SECRET", ids.aws_key(g.r))),
            ),
            (
                "tool",
                '{"status": "rolled_out", "pods": ["%s", "%s"], "digest": "sha256:%s"}' % (g.pod(), g.pod(), g.sha(64)),
            ),
        ],
        "",
    )


@tpl(3)
def tool_payment(g: G):
    c = g.r.choice(["DE", "FR", "NL", "ES", "IT"])
    nm = g.name()
    return (
        "tool_call",
        [
            ("user", f"Pay invoice INV-{g.r.randint(10000, 99999)} to our supplier, details in the vendor record"),
            (
                "tool",
                '{"vendor": "Brightline Components SARL", "contact": "%s", "iban": "%s", "bic": "%s", "terms": "NET30"}'
                % (E("PERSON", nm), E("IBAN_CODE", ids.iban(g.r, c)), E("SWIFT_BIC", ids.bic(g.r, c))),
            ),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"payments.create","arguments":"{\\"amount\\": \\"%s\\", \\"currency\\": \\"EUR\\"}"}}]}'
                % g.money()[1:],
            ),
        ],
        "",
    )


@tpl(3)
def tool_npi_lookup(g: G):
    doc = g.name()
    return (
        "tool_call",
        [
            ("user", f"verify prescriber NPI {E('US_NPI', ids.npi(g.r))} before we dispense"),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"nppes.lookup","arguments":"{\\"enumeration_type\\": \\"NPI-1\\"}"}}]}',
            ),
            (
                "tool",
                '{"result_count": 1, "basic": {"name": "%s", "credential": "MD", "status": "A"}, "taxonomy": "207Q00000X"}'
                % E("PERSON", doc.upper()),
            ),
        ],
        "",
    )


@tpl(3)
def tool_card_verify(g: G):
    brand = g.r.choice(["visa", "mastercard", "amex", "discover"])
    return (
        "tool_call",
        [
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"stripe.verify_card","arguments":"{\\"number\\": \\"%s\\", \\"exp\\": \\"%02d/%d\\"}"}}]}'
                % (E("CREDIT_CARD", ids.card(g.r, brand)), g.r.randint(1, 12), g.r.randint(26, 31)),
            ),
            ("tool", '{"ok": false, "decline_code": "insufficient_funds", "request_id": "%s"}' % g.reqid()),
        ],
        "",
    )


@tpl(3)
def tool_kubectl_negative(g: G):
    rows = "\n".join(
        f"{g.pod():48} 1/1     Running   {g.r.randint(0, 4)}          {g.r.randint(2, 59)}m" for _ in range(4)
    )
    return (
        "tool_call",
        [
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"shell","arguments":"{\\"cmd\\": \\"kubectl -n prod get pods\\"}"}}]}',
            ),
            ("tool", "NAME                                             READY   STATUS    RESTARTS   AGE\n" + rows),
            ("user", "why did one of them restart? image tag is v%s" % g.semver()),
        ],
        "",
    )


@tpl(3)
def tool_weather_negative(g: G):
    return (
        "tool_call",
        [
            ("user", "Will it rain in Lyon on Saturday? I'm cycling 85 km."),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"get_forecast","arguments":"{\\"lat\\": 45.764, \\"lon\\": 4.8357, \\"days\\": 3}"}}]}',
            ),
            (
                "tool",
                '{"daily": [{"date": "%s", "precip_mm": %.1f, "wind_kmh": %d, "tmax_c": %d}]}'
                % (g.date(), g.r.random() * 9, g.r.randint(5, 40), g.r.randint(8, 31)),
            ),
        ],
        "",
    )


@tpl(3)
def tool_ip_result(g: G):
    return (
        "tool_call",
        [
            ("user", "who is hammering the login endpoint?"),
            (
                "assistant",
                '{"tool_calls":[{"function":{"name":"logs.query","arguments":"{\\"q\\": \\"path:/login status:401\\", \\"since\\": \\"1h\\"}"}}]}',
            ),
            (
                "tool",
                '{"top_clients": [{"ip": "%s", "hits": %d}, {"ip": "%s", "hits": %d}]}'
                % (E("IP_ADDRESS", g.ip()), g.r.randint(500, 9000), E("IP_ADDRESS", g.ip()), g.r.randint(50, 400)),
            ),
        ],
        "",
    )


# ---- code review diffs


@tpl(3)
def diff_secret(g: G):
    return (
        "code_diff",
        [
            (
                "user",
                "review this diff pls\n```diff\n--- a/settings/prod.py\n+++ b/settings/prod.py\n@@ -12,6 +12,8 @@ CACHE_TTL = 300\n"
                f' S3_BUCKET = "claims-archive-prod"\n+AWS_SECRET_ACCESS_KEY = "{E("SECRET", ids.aws_secret(g.r))}"\n+MAX_RETRIES = 5\n```',
            ),
        ],
        "",
    )


@tpl(3)
def diff_negative(g: G):
    a, b = g.semver(), g.semver()
    return (
        "code_diff",
        [
            (
                "user",
                f"LGTM? commit {g.sha()}\n```diff\n-requests=={a}\n+requests=={b}\n-    timeout=30\n+    timeout=45  # p99 was 38s\n"
                f" RETRY_BACKOFF = [1, 2, 4, 8]\n+CHUNK = 65536\n```\nCI run #{g.r.randint(1000, 99999)} green on py3.12.",
            ),
        ],
        "",
    )


@tpl(3)
def diff_fixture_ssn(g: G):
    nm = g.name()
    return (
        "code_diff",
        [
            (
                "user",
                "Is it ok to commit this test fixture?\n```diff\n+++ b/tests/fixtures/applicant.json\n+{\n"
                f'+  "full_name": "{E("PERSON", nm)}",\n+  "ssn": "{E("US_SSN", ids.ssn(g.r))}",\n+  "income": 84000\n+}}\n```',
            ),
        ],
        "",
    )


@tpl(3)
def diff_db_url(g: G):
    return (
        "code_diff",
        [
            (
                "user",
                "```diff\n- DATABASE_URL=postgres://localhost/claims\n"
                f"+ DATABASE_URL=postgres://svc_claims:{E('SECRET', ids.password(g.r))}@db-prod.internal:5432/claims\n```\nwhy does alembic hang on upgrade head?",
            ),
        ],
        "",
    )


@tpl(3)
def diff_coauthor(g: G):
    nm = g.name()
    return (
        "code_diff",
        [
            (
                "user",
                f"commit {g.sha()}\nAuthor: build-bot <{E('EMAIL_ADDRESS', 'ci@noreply.github.com')}>\n\n    fix flaky retry test\n\n    "
                f"Co-authored-by: {E('PERSON', nm)} <{E('EMAIL_ADDRESS', g.email(nm))}>\n\nwrite a changelog entry for this",
            ),
        ],
        "",
    )


@tpl(2)
def diff_ghtoken(g: G):
    return (
        "code_diff",
        [
            (
                "user",
                f"```diff\n+ - name: publish\n+   env:\n+     GITHUB_TOKEN: {E('SECRET', ids.gh_token(g.r))}\n```\nthe action still gets 403, why?",
            ),
        ],
        "",
    )


# ---- stack traces / logs


@tpl(3)
def log_card(g: G):
    return (
        "log",
        [
            (
                "user",
                f"{g.ts()} ERROR [{g.reqid()}] payment-svc:8443 charge failed pan={E('CREDIT_CARD', ids.card(g.r, g.r.choice(['visa', 'mastercard', 'jcb'])))} code=05 latency_ms={g.r.randint(80, 900)}\nwhat does code 05 mean?",
            ),
        ],
        "",
    )


@tpl(3)
def log_nginx(g: G):
    lines = "\n".join(
        f'{E("IP_ADDRESS", g.ip())} - - [18/Mar/2024:14:{g.r.randint(10, 59)}:{g.r.randint(10, 59)} +0000] "GET /api/v2/items/{g.r.randint(1000, 99999)} HTTP/1.1" 502 {g.r.randint(100, 900)} "-" "okhttp/4.9.3"'
        for _ in range(2)
    )
    return "log", [("user", "why are these 502ing?\n" + lines)], ""


@tpl(4)
def log_traceback_negative(g: G):
    return (
        "log",
        [
            (
                "user",
                f'Traceback (most recent call last):\n  File "/srv/app/worker.py", line {g.r.randint(10, 900)}, in run\n    batch = q.get(timeout=30)\n'
                f'  File "/usr/lib/python3.11/queue.py", line 179, in get\n    raise Empty\n_queue.Empty\n'
                f"task_id={ids.uuid(g.r)} attempt=3/5 elapsed=30.004s host={g.pod()}\nhow to make this not crash?",
            ),
        ],
        "",
    )


@tpl(3)
def log_java_ip(g: G):
    return (
        "log",
        [
            (
                "user",
                f"{g.ts()} WARN  o.h.e.j.s.SqlExceptionHelper - Connection refused: /{E('IP_ADDRESS', g.ip())}:5432\n"
                f"org.postgresql.util.PSQLException: Connection to {E('IP_ADDRESS', g.ip())}:5432 refused.\n\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:319)\n\tat com.zaxxer.hikari.pool.HikariPool.createPoolEntry(HikariPool.java:474)",
            ),
        ],
        "",
    )


@tpl(3)
def log_email(g: G):
    return (
        "log",
        [
            (
                "user",
                f"{g.ts()} INFO auth.login ok user_email={E('EMAIL_ADDRESS', g.email())} mfa=totp session={g.sha(32)}\n"
                f"{g.ts()} INFO auth.login fail reason=locked attempts=6\nsummarise the auth events",
            ),
        ],
        "",
    )


@tpl(4)
def log_hashes_negative(g: G):  # name kept (it seeds the values); 0.0.0.0 is labelled IP_ADDRESS since run 1
    return (
        "log",
        [
            (
                "user",
                f"[{g.ts()}] build {g.r.randint(1000, 9999)} artifact sha256={g.sha(64)}\n[{g.ts()}] upload to s3://artifacts/{g.sha(12)}.tar.gz size=48213344 took 12.4s\n"
                f"[{g.ts()}] listening on {E('IP_ADDRESS', '0.0.0.0')}:{g.r.choice([8080, 8443, 9090, 3000])} pid={g.r.randint(1000, 65000)} version={g.semver()}\nis the artifact reproducible?",
            ),
        ],
        "",
    )


@tpl(2)
def log_jwt(g: G):
    return (
        "log",
        [
            (
                "user",
                f"{g.ts()} DEBUG http.client > POST /v1/claims\n> Authorization: Bearer {E('SECRET', ids.jwt(g.r))}\n< 401 Unauthorized\nwhy 401?",
            ),
        ],
        "",
    )


@tpl(2)
def log_ipv6(g: G):
    return (
        "log",
        [
            (
                "user",
                f"sshd[{g.r.randint(1000, 60000)}]: Failed password for invalid user admin from {E('IP_ADDRESS', g.ipv6())} port {g.r.randint(30000, 65000)} ssh2\nshould I worry?",
            ),
        ],
        "",
    )


# ---- SQL INSERT


@tpl(4)
def sql_patient(g: G):
    f, l_ = g.first(), g.last()
    return (
        "sql",
        [
            (
                "user",
                "fix the syntax error:\nINSERT INTO patients (mrn, first_name, last_name, dob, ssn)\n"
                f"VALUES ('{E('MEDICAL_RECORD_NUMBER', g.mrn())}', '{E('PERSON', f)}', '{E('PERSON', l_)}', '{E('DATE_OF_BIRTH', g.dob())}', '{E('US_SSN', ids.ssn(g.r))}'",
            ),
        ],
        "",
    )


@tpl(4)
def sql_products_negative(g: G):
    rows = ",\n".join(
        f"  ('SKU-{g.r.randint(10000, 99999)}', 'M{g.r.randint(3, 12)} hex bolt {g.r.randint(10, 80)}mm', {g.r.randint(1, 90)}.{g.r.randint(0, 99):02d}, {g.r.randint(0, 5000)})"
        for _ in range(3)
    )
    return (
        "sql",
        [
            (
                "user",
                f"INSERT INTO products (sku, description, unit_price, qty_on_hand) VALUES\n{rows};\nadd an ON CONFLICT clause",
            )
        ],
        "",
    )


@tpl(3)
def sql_bank(g: G):
    nm = g.name()
    return (
        "sql",
        [
            (
                "user",
                "INSERT INTO payouts (holder_name, routing_number, account_number, amount_cents)\n"
                f"VALUES ('{E('PERSON', nm)}', '{E('ABA_ROUTING', ids.aba(g.r))}', '{E('US_BANK_ACCOUNT', ids.bank_account(g.r))}', {g.r.randint(1000, 900000)});\n-- is account_number as VARCHAR(17) ok?",
            ),
        ],
        "",
    )


@tpl(3)
def sql_audit_ip(g: G):
    return (
        "sql",
        [
            (
                "user",
                f"INSERT INTO audit_log (ts, actor_id, src_ip, action) VALUES ('{g.ts()}', {g.r.randint(100, 99999)}, '{E('IP_ADDRESS', g.ip())}', 'EXPORT_REPORT');\nwhy does this violate the check constraint?",
            ),
        ],
        "",
    )


@tpl(3)
def sql_employee(g: G):
    nm = g.name()
    return (
        "sql",
        [
            (
                "user",
                "INSERT INTO employees (name, work_email, mobile, ssn, hired) VALUES "
                f"('{E('PERSON', nm)}', '{E('EMAIL_ADDRESS', g.email(nm))}', '{E('PHONE_NUMBER', g.phone())}', '{E('US_SSN', ids.ssn(g.r))}', '{g.date()}');",
            ),
        ],
        "",
    )


# ---- customer support chats


@tpl(4)
def support_order_negative(g: G):
    return (
        "support",
        [
            (
                "user",
                f"hi my order {g.order()} still says 'label created', tracking 1Z{ids.alnum(g.r, 16, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789')}, it was supposed to arrive {g.date()}",
            ),
            (
                "assistant",
                "Sorry about that! I can see the parcel left our Reno warehouse. Carrier delays are ~2 days right now.",
            ),
            ("user", f"ok. can I get a refund of the {g.money()} shipping? ticket #{g.r.randint(100000, 999999)}"),
        ],
        "",
    )


@tpl(3)
def support_card(g: G):
    brand = g.r.choice(["visa", "mastercard", "discover", "amex"])
    return (
        "support",
        [
            ("assistant", "I can update the payment method for you. Which card would you like to use?"),
            (
                "user",
                f"use this one {E('CREDIT_CARD', ids.fmt_card(ids.card(g.r, brand)))} exp {g.r.randint(1, 12):02d}/{g.r.randint(26, 30)}",
            ),
        ],
        "",
    )


@tpl(3)
def support_contact(g: G):
    nm = g.name()
    return (
        "support",
        [
            (
                "user",
                f"Hi, this is {E('PERSON', nm)}. Please call me back on {E('PHONE_NUMBER', g.phone())} or mail {E('EMAIL_ADDRESS', g.email(nm))}, my router keeps dropping.",
            ),
        ],
        "",
    )


@tpl(3)
def support_password_negative(g: G):
    return (
        "support",
        [
            (
                "user",
                "I forgot my password and the reset link expired after 15 minutes. Can you send a new one? I'm on app version "
                + g.semver(),
            ),
            ("assistant", "Sure — I've triggered a new reset email. The link is valid for 30 minutes."),
        ],
        "",
    )


# ---- insurance claim notes


@tpl(4)
def claim_note(g: G):
    nm = g.name()
    return (
        "insurance",
        [
            (
                "user",
                f"Claim note {g.date()}: Insured {E('PERSON', nm)}, subscriber ID {E('HEALTH_PLAN_ID', g.member())}, DOB {E('DATE_OF_BIRTH', g.dob())}. "
                f"ER visit, CPT 99284, ICD-10 S52.501A. Billed {g.money()}, allowed {g.money()}. Pend for records. Rewrite as a letter.",
            ),
        ],
        "",
    )


@tpl(3)
def claim_dental(g: G):
    return (
        "insurance",
        [
            (
                "user",
                f"Dental pre-auth: D2740 crown #14, D2950 buildup. Rendering provider NPI {E('US_NPI', ids.npi(g.r))}. "
                f"Member ID {E('HEALTH_PLAN_ID', g.member())}. Fee schedule UCR {g.money()}. Is D2950 bundled?",
            ),
        ],
        "",
    )


@tpl(3)
def claim_auto_negative(g: G):
    return (
        "insurance",
        [
            (
                "user",
                f"Auto claim ref AC-{g.r.randint(100000, 999999)}: rear-end collision at 25 mph, VIN 1HGCM82633A{g.r.randint(100000, 999999)}, "
                f"repair estimate {g.money()} incl. 4.5 h labour at $112/h, deductible $500. Summarise liability factors.",
            ),
        ],
        "",
    )


@tpl(2)
def claim_workers_comp(g: G):
    nm = g.name()
    return (
        "insurance",
        [
            (
                "user",
                f"WC first report of injury — employee {E('PERSON', nm)}, SSN {E('US_SSN', ids.ssn(g.r))}, lifted 40 lb box, lumbar strain. Draft the adjuster summary.",
            ),
        ],
        "",
    )


# ---- pharmacy refill


@tpl(4)
def pharmacy_refill(g: G):
    nm, doc_last = g.name(), g.last()
    return (
        "pharmacy",
        [
            (
                "user",
                f"Refill request: {E('PERSON', nm)}, DOB {E('DATE_OF_BIRTH', g.dob())}, Rx #{g.r.randint(1000000, 9999999)} lisinopril 10 mg 1 tab PO daily #90. "
                f"Prescriber Dr. {E('PERSON', g.first() + ' ' + doc_last)}, DEA {E('US_DEA', ids.dea(g.r, doc_last))}. Check refills remaining.",
            ),
        ],
        "",
    )


@tpl(4)
def pharmacy_negative(g: G):
    return (
        "pharmacy",
        [
            (
                "user",
                f"Can ibuprofen {g.r.choice([200, 400, 600])} mg be taken with amoxicillin 500 mg q8h? Patient weighs 72.5 kg, eGFR 58 mL/min/1.73m2, "
                f"on metoprolol 25 mg BID. Max daily dose?",
            ),
        ],
        "",
    )


@tpl(3)
def pharmacy_mbi(g: G):
    nm = g.name()
    return (
        "pharmacy",
        [
            (
                "user",
                f"Part D refill for {E('PERSON', nm)} — Medicare MBI {E('US_MBI', ids.fmt_mbi(ids.mbi(g.r)) if g.r.random() < 0.5 else ids.mbi(g.r))}, "
                f"atorvastatin 40 mg #30, copay tier 1. Is prior auth needed?",
            ),
        ],
        "",
    )


@tpl(2)
def pharmacy_phone(g: G):
    return (
        "pharmacy",
        [
            (
                "user",
                f"pls refill my metformin 500mg, same as last time. call me at {E('PHONE_NUMBER', g.phone())} when ready, thx",
            ),
        ],
        "",
    )


# ---- KYC onboarding


@tpl(4)
def kyc_person(g: G):
    nm = g.name()
    return (
        "kyc",
        [
            (
                "user",
                f"KYC onboarding note — applicant {E('PERSON', nm)}, born {E('DATE_OF_BIRTH', g.dob())}, US passport no. {E('US_PASSPORT', ids.passport(g.r))}, "
                f"residential address {E('STREET_ADDRESS', g.address())}. PEP screening: no hits. Risk score 23/100. Summarise for the file.",
            ),
        ],
        "",
    )


@tpl(3)
def kyc_corporate_negative(g: G):
    return (
        "kyc",
        [
            (
                "user",
                f"Corporate KYC: Halvorsen Marine Systems AS, LEI 5493{ids.alnum(g.r, 14, '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ')}{g.r.randint(10, 99)}, "
                f"incorporated 2009, NACE C30.11, annual turnover NOK {g.r.randint(100, 900)}m, listed on Oslo Børs. Which documents are missing?",
            ),
        ],
        "",
    )


@tpl(3)
def kyc_itin(g: G):
    nm = g.name()
    return (
        "kyc",
        [
            (
                "user",
                f"Non-resident applicant {E('PERSON', nm)} has no SSN, provided ITIN {E('US_ITIN', ids.itin(g.r))}. Can we open a brokerage account?",
            ),
        ],
        "",
    )


@tpl(3)
def kyc_dl(g: G):
    st, dl = ids.drivers_license(g.r)
    nm = g.name()
    return (
        "kyc",
        [
            (
                "user",
                f"ID check: {E('PERSON', nm)} presented a {st} driver's license {E('US_DRIVER_LICENSE', dl)}, exp {g.date()}. Photo match OK. Next step?",
            ),
        ],
        "",
    )


# ---- procurement


@tpl(4)
def procurement_eccn(g: G):
    eccn = g.r.choice(["3A001.a.2", "5A002.a", "9A610.x", "6A003.b.4", "3A090"])
    return (
        "procurement",
        [
            (
                "user",
                f"Subject: RFQ {g.r.randint(100000, 999999)} – FPGA boards\n\nHi team, please quote 200 pcs of P/N MX-{g.r.randint(1000, 9999)}-0{g.r.randint(1, 9)}. "
                f"Supplier states {E('EXPORT_CONTROL', 'ECCN ' + eccn)}; end user in Singapore. Lead time and unit price in USD please.",
            ),
        ],
        "",
    )


@tpl(3)
def procurement_ear99(g: G):
    return (
        "procurement",
        [
            (
                "user",
                f"The connectors (P/N 2271-{g.r.randint(100, 999)}-BLK) are classified {E('EXPORT_CONTROL', 'EAR99')} for export to Mexico, NLR. Draft the commercial invoice note.",
            ),
        ],
        "",
    )


@tpl(4)
def procurement_negative(g: G):
    return (
        "procurement",
        [
            (
                "user",
                f"PO 45000{g.r.randint(10000, 99999)} rev B: 1,200 x hex standoff M3x10 ({g.money()} per 100), 40 x reel 0603 10k resistors, "
                f"delivery week {g.r.randint(10, 52)}, incoterms FCA Rotterdam. Is the MOQ of 5,000 negotiable?",
            ),
        ],
        "",
    )


@tpl(3)
def procurement_signature(g: G):
    nm = g.name()
    return (
        "procurement",
        [
            (
                "user",
                f"Please see attached quote for the bearings.\n\nBest regards,\n{E('PERSON', nm)}\nSenior Buyer, Tessaro Industrial\nT: {E('PHONE_NUMBER', g.phone())}\n{E('EMAIL_ADDRESS', g.email(nm))}\n\nshorten this email",
            ),
        ],
        "",
    )


# ---- defence subcontractor memos


@tpl(3)
def defence_cui(g: G):
    banner = g.r.choice(["CUI", "CUI//SP-CTI", "CUI//SP-EXPT", "CONTROLLED UNCLASSIFIED INFORMATION"])
    return (
        "defence",
        [
            (
                "user",
                f"{E('CUI_MARKING', banner)}\nMEMO for subcontract SC-{g.r.randint(1000, 9999)}: thermal cycling test of the rev C housing failed at cycle 412 (-40/+85 C). "
                "Summarise root-cause options.",
            ),
        ],
        "",
    )


@tpl(3)
def defence_classified(g: G):
    banner = g.r.choice(["SECRET//NOFORN", "TOP SECRET//SCI", "SECRET//REL TO USA, GBR", "CONFIDENTIAL//NOFORN"])
    return (
        "defence",
        [
            (
                "user",
                f"{E('CLASSIFICATION_MARKING', banner)}\nSubject: antenna array test results, range 7. Rewrite this for the weekly report.",
            ),
        ],
        "",
    )


@tpl(3)
def defence_itar(g: G):
    cat = g.r.choice(["XI(c)", "XII(e)", "IV(h)", "VIII(h)"])
    return (
        "defence",
        [
            (
                "user",
                f"{E('EXPORT_CONTROL', 'ITAR CONTROLLED')} — technical data, {E('EXPORT_CONTROL', 'USML Category ' + cat)}. "
                "Translate the attached assembly steps for the seeker gimbal into plain English.",
            ),
        ],
        "",
    )


@tpl(3)
def defence_proprietary(g: G):
    leg = g.r.choice(["PROPRIETARY", "TRADE SECRET", "Company Confidential"])
    return (
        "defence",
        [
            (
                "user",
                f"{E('PROPRIETARY_MARKING', leg)} – Tessaro Industrial\nProcess sheet 7: anneal at 540 C for 2 h, quench in polymer 12%. Improve the wording.",
            ),
        ],
        "",
    )


@tpl(3)
def defence_negative(g: G):
    return (
        "defence",
        [
            (
                "user",
                f"DISTRIBUTION STATEMENT A. Approved for public release; distribution is unlimited.\nUNCLASSIFIED\n"
                f"Paper {g.r.randint(1, 99)}: corrosion of 7075-T6 in salt fog, 500 h per ASTM B117. Write an abstract.",
            ),
        ],
        "",
    )


# ---- Slack-style


@tpl(3)
def slack_secret(g: G):
    return (
        "slack",
        [
            (
                "user",
                f":rotating_light: @oncall someone pasted this in #general, rotate asap?? `SLACK_BOT_TOKEN={E('SECRET', ids.slack_token(g.r))}` :scream:",
            ),
        ],
        "",
    )


@tpl(4)
def slack_negative(g: G):
    return (
        "slack",
        [
            (
                "user",
                f"@channel standup moved to 10:30 :coffee: deploy of v{g.semver()} ({g.sha(7)}) went out in 4m12s ✅ "
                f"p95 down from 840ms to 610ms 🎉 cc @platform-team",
            ),
        ],
        "",
    )


@tpl(3)
def slack_ip(g: G):
    return (
        "slack",
        [
            (
                "user",
                f"hey @netops can u allowlist {E('IP_ADDRESS', g.ip())} for the vendor VPN 🙏 ticket NET-{g.r.randint(100, 9999)}",
            ),
        ],
        "",
    )


@tpl(3)
def slack_welcome(g: G):
    nm = g.name()
    return (
        "slack",
        [
            (
                "user",
                f"🎉 please welcome {E('PERSON', nm)} to the claims team! reach her at {E('EMAIL_ADDRESS', g.email(nm))} :wave: write a fun intro",
            ),
        ],
        "",
    )


# ---- markdown tables


@tpl(3)
def md_patients(g: G):
    rows = "\n".join(
        f"| {E('PERSON', g.name())} | {E('DATE_OF_BIRTH', g.dob())} | {E('MEDICAL_RECORD_NUMBER', g.mrn())} | {g.r.choice(['CHF', 'COPD', 'T2DM'])} |"
        for _ in range(2)
    )
    return (
        "md_table",
        [("user", "| Patient | DOB | MRN | Dx |\n|---|---|---|---|\n" + rows + "\nsort by diagnosis")],
        "",
    )


@tpl(4)
def md_negative(g: G):
    rows = "\n".join(
        f"| {g.r.choice(['api', 'web', 'batch'])}-{g.r.randint(1, 9)} | {g.semver()} | {g.r.randint(50, 990)} ms | {g.r.randint(90, 99)}.{g.r.randint(0, 9)}% |"
        for _ in range(3)
    )
    return (
        "md_table",
        [("user", "| service | version | p99 | uptime |\n|---|---|---|---|\n" + rows + "\nwhich one regressed?")],
        "",
    )


@tpl(3)
def md_staff(g: G):
    n1, n2 = g.name(), g.name()
    return (
        "md_table",
        [
            (
                "user",
                f"| Name | Email | Ext |\n|---|---|---|\n| {E('PERSON', n1)} | {E('EMAIL_ADDRESS', g.email(n1))} | x{g.r.randint(1000, 9999)} |\n"
                f"| {E('PERSON', n2)} | {E('EMAIL_ADDRESS', g.email(n2))} | x{g.r.randint(1000, 9999)} |\nturn into CSV",
            ),
        ],
        "",
    )


@tpl(3)
def md_banking(g: G):
    c1, c2 = g.r.choice(["GB", "CH", "BE"]), g.r.choice(["PL", "AT", "DE"])
    return (
        "md_table",
        [
            (
                "user",
                f"| Beneficiary | IBAN | BIC |\n|---|---|---|\n| Ostrava Tooling s.r.o. | {E('IBAN_CODE', ids.fmt_iban(ids.iban(g.r, c2)))} | {E('SWIFT_BIC', ids.bic(g.r, c2, True))} |\n"
                f"| Fenwick Plastics Ltd | {E('IBAN_CODE', ids.iban(g.r, c1))} | {E('SWIFT_BIC', ids.bic(g.r, c1))} |\nvalidate the formatting",
            ),
        ],
        "",
    )


# ---- non-native English, Spanish / French mixes


@tpl(3)
def nonnative_ssn(g: G):
    nm = g.name()
    return (
        "multilingual",
        [
            (
                "user",
                f"Hello sir, please kindly help, my name is {E('PERSON', nm)} and my social security is {E('US_SSN', ids.ssn(g.r))}, I am needing the loan form fill for me. thanking you",
            ),
        ],
        "",
    )


@tpl(3)
def spanish_iban(g: G):
    return (
        "multilingual",
        [
            (
                "user",
                f"Hola, necesito ayuda con una transferencia. Mi IBAN es {E('IBAN_CODE', ids.fmt_iban(ids.iban(g.r, 'ES')))} y el importe es 1.250,00 EUR. ¿Cuánto tarda?",
            ),
        ],
        "",
    )


@tpl(3)
def french_phone(g: G):
    nm = g.name()
    ph = g.r.choice(
        [
            f"+33 6 {g.r.randint(10, 99)} {g.r.randint(10, 99)} {g.r.randint(10, 99)} {g.r.randint(10, 99)}",
            f"+44 20 7946 0{g.r.randint(100, 999)}",
        ]
    )
    return (
        "multilingual",
        [
            (
                "user",
                f"Bonjour, can you translate: « Merci de rappeler {E('PERSON', nm)} au {E('PHONE_NUMBER', ph)} avant vendredi » into English?",
            ),
        ],
        "",
    )


@tpl(3)
def spanish_patient(g: G):
    nm = g.name()
    return (
        "multilingual",
        [
            (
                "user",
                f"Resumen por favor: el paciente {E('PERSON', nm)}, fecha de nacimiento {E('DATE_OF_BIRTH', g.dob())}, MRN {E('MEDICAL_RECORD_NUMBER', g.mrn())}, ingresó con dolor torácico.",
            ),
        ],
        "",
    )


@tpl(4)
def multilingual_negative(g: G):
    return (
        "multilingual",
        [
            (
                "user",
                g.r.choice(
                    [
                        "¿Cuál es la mejor manera de aprender Python? I have 3 months, merci beaucoup!",
                        "Please explain me the difference between TCP et UDP, c'est pour mon examen demain.",
                        "Necesito una receta de paella para 6 personas, with 400 g arroz bomba and 1 l caldo.",
                        "Comment dire 'deadline' en français? Our sprint ends in 2 weeks.",
                    ]
                ),
            ),
        ],
        "",
    )


# ---- disguises


def _zw(s: str, r: random.Random) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if i < len(s) - 1 and c.isalnum() and r.random() < 0.4:
            out.append(r.choice(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]))
    if not any(ch in out for ch in "\u200b\u200c\u200d\u2060\ufeff"):
        out.insert(2, "\u200b")
    return "".join(out)


def _fullwidth(s: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in s)


def _arabic(s: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in s)


@tpl(3)
def dis_zw_ssn(g: G):
    return (
        "disguise",
        [("user", f"applicant SSN {D('US_SSN', _zw(ids.ssn(g.r), g.r))} – check eligibility")],
        "zero_width",
    )


@tpl(3)
def dis_zw_card(g: G):
    return (
        "disguise",
        [("user", f"charge card {D('CREDIT_CARD', _zw(ids.card(g.r, 'visa'), g.r))} for the renewal")],
        "zero_width",
    )


@tpl(2)
def dis_zw_iban(g: G):
    return "disguise", [("user", f"wire to IBAN {D('IBAN_CODE', _zw(ids.iban(g.r, 'DE'), g.r))} today")], "zero_width"


@tpl(3)
def dis_fullwidth(g: G):
    if g.r.random() < 0.5:
        return (
            "disguise",
            [("user", f"my ssn is {D('US_SSN', _fullwidth(ids.ssn(g.r)))} can you file my W-4?")],
            "fullwidth",
        )
    return (
        "disguise",
        [("user", f"card: {D('CREDIT_CARD', _fullwidth(ids.fmt_card(ids.card(g.r, 'mastercard'))))}")],
        "fullwidth",
    )


@tpl(3)
def dis_arabic(g: G):
    if g.r.random() < 0.5:
        return "disguise", [("user", f"رقم الضمان الاجتماعي SSN: {D('US_SSN', _arabic(ids.ssn(g.r)))}")], "arabic_indic"
    return (
        "disguise",
        [("user", f"card number {D('CREDIT_CARD', _arabic(ids.card(g.r, 'visa')))} please refund")],
        "arabic_indic",
    )


@tpl(4)
def dis_separated(g: G):
    k = g.r.randint(0, 3)
    if k == 0:
        v = " ".join(ids.card(g.r, "visa"))
        return "disguise", [("user", f"the card is {D('CREDIT_CARD', v)}")], "separated"
    if k == 1:
        v = ids.ssn(g.r).replace("-", ".")
        return "disguise", [("user", f"SSN {D('US_SSN', v)} for payroll")], "separated"
    if k == 2:
        c = ids.fmt_card(ids.card(g.r, "mastercard"))
        v = c[:9] + "\n" + c[10:]
        return "disguise", [("user", f"card number:\n{D('CREDIT_CARD', v)}\nexp 09/28")], "separated"
    v = "-".join(ids.ssn(g.r).replace("-", ""))
    return "disguise", [("user", f"social: {D('US_SSN', v)}")], "separated"


HOMO = {"A": "А", "E": "Е", "O": "О", "T": "Т", "C": "С", "P": "Р", "I": "І", "R": "R", "K": "К", "X": "Х", "S": "Ѕ"}


def _homo(s: str, r: random.Random) -> str:
    out = [HOMO.get(c, c) if r.random() < 0.6 else c for c in s]
    if "".join(out) == s:
        out = [HOMO.get(c, c) for c in s]
    return "".join(out)


@tpl(4)
def dis_homoglyph(g: G):
    k = g.r.randint(0, 2)
    if k == 0:
        return (
            "disguise",
            [("user", f"{D('EXPORT_CONTROL', _homo('ITAR', g.r))} controlled drawing set — summarise the tolerances")],
            "homoglyph",
        )
    if k == 1:
        return (
            "disguise",
            [
                (
                    "user",
                    f"{D('CLASSIFICATION_MARKING', _homo('TOP SECRET', g.r) + '//NOFORN')}\nbriefing notes follow, make bullets",
                )
            ],
            "homoglyph",
        )
    return (
        "disguise",
        [("user", f"{D('CUI_MARKING', _homo('CUI', g.r))}\nsupplier audit findings for the gearbox line, summarise")],
        "homoglyph",
    )


@tpl(3)
def dis_spaced(g: G):
    k = g.r.randint(0, 2)
    if k == 0:
        return (
            "disguise",
            [
                (
                    "user",
                    f"{D('EXPORT_CONTROL', 'i t a r')} controlled, dont tell anyone lol. rewrite the test procedure",
                )
            ],
            "spaced",
        )
    if k == 1:
        return (
            "disguise",
            [
                (
                    "user",
                    f"header says {D('CLASSIFICATION_MARKING', 's e c r e t // n o f o r n')} — fix the grammar below",
                )
            ],
            "spaced",
        )
    return (
        "disguise",
        [
            (
                "user",
                f"{D('PROPRIETARY_MARKING', 'p r o p r i e t a r y')} — machining parameters for the impeller, tidy up",
            )
        ],
        "spaced",
    )


@tpl(3)
def dis_base64(g: G):
    if g.r.random() < 0.5:
        v = base64.b64encode(ids.ssn(g.r).encode()).decode()
        return "disguise", [("user", f"decode this base64 and put it in the SSN field: {D('US_SSN', v)}")], "base64"
    v = base64.b64encode(ids.card(g.r, "visa").encode()).decode()
    return "disguise", [("user", f"payload card_b64={D('CREDIT_CARD', v)} — is the encoding right?")], "base64"


@tpl(2)
def dis_hex(g: G):
    v = ids.ssn(g.r).encode().hex()
    return "disguise", [("user", f"hex dump of the ssn column: {D('US_SSN', v)}")], "hex"


@tpl(2)
def dis_percent(g: G):
    em = g.email()
    v = em.replace("@", "%40").replace(".", "%2E")
    return (
        "disguise",
        [("user", f"GET /unsubscribe?email={D('EMAIL_ADDRESS', v)}&src=newsletter returns 500")],
        "percent",
    )


@tpl(4)
def dis_split(g: G):
    k = g.r.randint(0, 2)
    if k == 0:
        c = ids.fmt_card(ids.card(g.r, "visa"))
        return (
            "disguise",
            [
                ("user", f"first half of the card: {D('CREDIT_CARD', c[:9], 's')}"),
                ("assistant", "Go on."),
                ("user", f"and the rest {D('CREDIT_CARD', c[10:], 's')}"),
            ],
            "split",
        )
    if k == 1:
        s = ids.ssn(g.r)
        return (
            "disguise",
            [("user", f"ssn starts {D('US_SSN', s[:6], 's')}"), ("user", f"ends {D('US_SSN', s[6:], 's')}")],
            "split",
        )
    i = ids.iban(g.r, "FR")
    return (
        "disguise",
        [("user", f"IBAN part 1: {D('IBAN_CODE', i[:14], 's')}"), ("user", f"part 2: {D('IBAN_CODE', i[14:], 's')}")],
        "split",
    )


# ---- hard negatives


@tpl(5)
def neg_ids(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        f"Deduplicate these request ids: {ids.uuid(g.r)}, {ids.uuid(g.r)}, {ids.uuid(g.r)}",
                        f"git bisect says {g.sha()} is the first bad commit, parent {g.sha()}. explain bisect",
                        f"pod {g.pod()} is CrashLoopBackOff after upgrading to {g.semver()}; previous {g.semver()}",
                        f"ISBN {ids.isbn13(g.r)} and {ids.isbn13(g.r)} — which edition is newer?",
                        f"Windows build 10.0.{g.r.randint(19041, 22631)}.{g.r.randint(1000, 4000)} fails KB{g.r.randint(5000000, 5039999)} install",
                    ]
                ),
            ),
        ],
        "",
    )


@tpl(5)
def neg_numbers(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        f"Invoice INV-{g.r.randint(2024000000, 2024999999)} and order {g.order()} don't match; totals {g.money()} vs {g.money()}",
                        f"This test fixture uses 16-digit ids like {ids.non_luhn16(g.r)} and {ids.non_luhn16(g.r)}; do they need BIGINT?",
                        f"Our placeholder SSN {ids.invalid_ssn(g.r)} keeps failing validation, which rule is it breaking?",
                        f"FedEx tracking {g.r.randint(100000000000, 999999999999)} shows delivered but nobody got it",
                        f"call the front desk at ext. {g.r.randint(100, 9999)} or room {g.r.randint(100, 999)}, shuttle leaves at 07:45",
                        f"The bracket is 120.5 x 48 x 3.2 mm, weighs 0.42 kg, torque 9.8 N·m, costs {g.money()}",
                    ]
                ),
            ),
        ],
        "",
    )


@tpl(3)
def neg_bad_checksums(g: G):
    k = g.r.randint(0, 2)
    if k == 0:
        n = ids.npi(g.r)
        n = n[:-1] + str((int(n[-1]) + 3) % 10)
        return (
            "hard_negative",
            [("user", f"NPI {n} is rejected by the clearinghouse, typo? which digit is the check digit?")],
            "",
        )
    if k == 1:
        d = ids.dea(g.r, "K")
        d = d[:-1] + str((int(d[-1]) + 4) % 10)
        return "hard_negative", [("user", f"Is the DEA number format {d} valid? the checksum tool says no")], ""
    return (
        "hard_negative",
        [("user", f"IBAN {ids.bad_iban(g.r, 'DE')} fails validation at our bank, explain mod-97")],
        "",
    )


@tpl(3)
def neg_imei(g: G):
    imei = ids.luhn_complete("35" + "".join(str(g.r.randint(0, 9)) for _ in range(12)))
    return (
        "hard_negative",
        [("user", f"Device IMEI: {imei}, firmware {g.semver()}, battery 87%. Why won't it register on LTE band 20?")],
        "",
    )


@tpl(4)
def neg_companies(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        "Compare Q3 guidance of Lockheed Martin, Honeywell and Siemens Energy in a table.",
                        "Is Charles Schwab or Morgan Stanley cheaper for index ETFs?",
                        "Johnson & Johnson vs Procter & Gamble dividend history since 2015?",
                        "Write a haiku about Wells Fargo wagons and Ford Mustangs.",
                    ]
                ),
            ),
        ],
        "",
    )


@tpl(3)
def neg_public_figures(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        "Summarise Satya Nadella's keynote themes at Microsoft Build in 3 bullets.",
                        "What did Marie Curie win her second Nobel Prize for?",
                        "Quote Abraham Lincoln's Gettysburg Address opening line.",
                    ]
                ),
            ),
        ],
        "",
    )


@tpl(4)
def neg_markings(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        "Keep this confidential between us: I'm planning a surprise party for the team on Friday.",
                        "Our Secret Santa budget is $25 — ideas for a remote team?",
                        "kubectl create secret generic db-creds --from-file=./creds.env — how do I mount it as env vars?",
                        "What's the secret to a crispy pizza crust at 250 C?",
                        "We use a proprietary scheduling algorithm; how should I describe it in a job ad without details?",
                    ]
                ),
            ),
        ],
        "",
    )


@tpl(3)
def neg_secretish(g: G):
    return (
        "hard_negative",
        [
            (
                "user",
                g.r.choice(
                    [
                        "export PASSWORD_MIN_LENGTH=12\nexport SESSION_TIMEOUT=900\nare these sensible defaults?",
                        "In the docs use `api_key: <YOUR_API_KEY>` as placeholder or `$API_KEY`?",
                        f"the docker image digest is sha256:{g.sha(64)}; how do I pin it in compose?",
                    ]
                ),
            ),
        ],
        "",
    )


def build_corpus(seed: int = SEED) -> list[Case]:
    cases: list[Case] = []
    for fn, n in TEMPLATES:
        for k in range(n):
            r = random.Random(f"{seed}:{fn.__name__}:{k}")
            kind, msgs, disguise = fn(G(r))
            cases.append(build_case(f"{fn.__name__}#{k}", kind, msgs, disguise))
    return cases
