-- Generated cases for read benchmarks: N cases over the counties and towns of 咸阳市, with histories
-- (events by status) and documents (acceptance notices, decisions), shaped as the application writes
-- them. Run as the owner, after `tongban migrate` and `tongban seed demo`:
--   psql "$TONGBAN_MIGRATION_DATABASE_URL" -v n=1000000 -f bench/gen_cases.sql
-- Deterministic (setseed); about 4 minutes for a million cases on the 2-core machine.
\set ON_ERROR_STOP 1
\if :{?n}
\else
  \set n 1000000
\endif
SELECT setseed(0.29);

CREATE TEMP TABLE gen_tenants AS
  SELECT code, name, level, row_number() OVER (ORDER BY code) - 1 AS i
  FROM tenants WHERE code LIKE '6104%' AND level IN ('county', 'town');
CREATE TEMP TABLE gen_items AS
  SELECT i.id, COALESCE(b.name, '政务服务事项') AS name, row_number() OVER (ORDER BY i.id) - 1 AS i
  FROM impl_items i LEFT JOIN base_items b ON b.id = i.base_item_id WHERE i.status = 'PUBLISHED';

-- Statuses in the shares a busy center shows: most cases delivered or archived, a tenth running.
CREATE TEMP TABLE gen AS
SELECT g AS n,
       t.code AS tenant_code,
       -- a tenth of a county's cases were collected at one of its towns (上报件)
       CASE WHEN t.level = 'county' AND g % 11 = 3
            THEN COALESCE((SELECT code FROM gen_tenants s WHERE s.level = 'town' AND s.code LIKE left(t.code, 6) || '%'
                           ORDER BY s.code LIMIT 1), t.code)
            ELSE t.code END AS collecting_code,
       it.id AS impl_item_id, it.name AS item_name,
       (ARRAY['RECEIVED','ACCEPTED','ACCEPTED','APPROVED','DELIVERED','DELIVERED','DELIVERED','DELIVERED',
              'ARCHIVED','ARCHIVED','ARCHIVED','NOT_ACCEPTED','CORRECTION_REQUESTED','DENIED','ACCEPTED',
              'DELIVERED','ARCHIVED','DELIVERED','ARCHIVED','DELIVERED'])[1 + st] AS status,
       -- concluded cases received over the last two years, newest last; running ones in the last 15
       -- days, but one case in 400, accepted, from 18 to 48 days ago: due soon (yellow) or overdue (red),
       -- as the exception it is
       CASE WHEN g % 400 = 19
            THEN timestamptz '2026-11-28 01:00:00+00' - (18 + g / 400 % 31) * interval '1 day'
            WHEN st IN (0, 1, 2, 11, 12, 14)
            THEN timestamptz '2026-11-28 01:00:00+00' - (g % 15) * interval '1 day'
            ELSE timestamptz '2024-12-01 01:00:00+00' + (g::float8 / :n) * interval '728 days' END
         + (random() * interval '8 hours') AS received_at
-- The status is drawn by a hash of g: drawn as g mod 20, it followed the tenant (drawn from g too),
-- and a tenant saw five statuses only (永寿县 had no accepted case). st = 1 is ACCEPTED.
FROM (SELECT g, CASE WHEN g % 400 = 19 THEN 1 ELSE abs(hashint8(g) % 20) END AS st
      FROM generate_series(1, :n) g) s
JOIN gen_tenants t ON t.i = (g::bigint * 2654435761 % (SELECT count(*) FROM gen_tenants))
JOIN gen_items it ON it.i = (g % (SELECT count(*) FROM gen_items));

INSERT INTO cases (id, case_no, query_hash, tenant_code, collecting_code, impl_item_id, impl_version, item_name,
                   kind, status, channel, applicant_kind, applicant_name, id_type, id_number, phone, form_json,
                   provided_json, missing_json, deferred_json, deferred_until, correction_due, received_at,
                   accepted_at, concluded_at, clock_json, deadline, deadline_provisional, version, idempotency_key)
SELECT md5('case' || n)::uuid::text,
       'TB' || left(tenant_code, 6) || '-' || to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-G'
         || lpad(n::text, 8, '0'),
       md5('q' || n) || md5('h' || n),
       tenant_code, collecting_code, impl_item_id, 1, item_name,
       CASE WHEN collecting_code <> tenant_code THEN 'ESCALATED' ELSE 'PROMISED' END,
       status, 'WINDOW', 'PERSON',
       (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + n % 10] || (ARRAY['小明','华','建国','秀英','伟','芳','强','敏'])[1 + n % 8],
       '身份证', '610426' || lpad((n % 100000000)::text, 8, '0') || lpad((n % 9999)::text, 4, '0'), '1380000' || lpad((n % 10000)::text, 4, '0'),
       NULL, '["申请表","身份证明"]', '[]', '[]', NULL,
       CASE WHEN status = 'CORRECTION_REQUESTED' THEN (received_at + interval '30 days')::date END,
       received_at,
       CASE WHEN status NOT IN ('RECEIVED','NOT_ACCEPTED','CORRECTION_REQUESTED') THEN received_at + interval '2 hours' END,
       CASE WHEN status IN ('APPROVED','DENIED','DELIVERED','ARCHIVED') THEN received_at + interval '9 days' END,
       CASE WHEN status NOT IN ('RECEIVED','NOT_ACCEPTED','CORRECTION_REQUESTED')
            THEN '{"started_on":"' || (received_at AT TIME ZONE 'Asia/Shanghai')::date || '","budget_days":15,"pauses":[]}' END,
       CASE WHEN status NOT IN ('RECEIVED','NOT_ACCEPTED','CORRECTION_REQUESTED') THEN (received_at + interval '21 days')::date END,
       false, 1, NULL
FROM gen;

-- Events: one per step the status implies.
INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
SELECT md5('case' || g.n)::uuid::text, g.tenant_code, g.collecting_code, g.received_at + s.after, s.status, s.actor, s.action, s.opinion
FROM gen g
CROSS JOIN LATERAL (VALUES
    (1, 'RECEIVED', interval '0', 'bench_window', '收件', NULL),
    (2, CASE g.status WHEN 'NOT_ACCEPTED' THEN 'NOT_ACCEPTED' WHEN 'CORRECTION_REQUESTED' THEN 'CORRECTION_REQUESTED' ELSE 'ACCEPTED' END,
        interval '2 hours', 'bench_window', CASE g.status WHEN 'NOT_ACCEPTED' THEN '不予受理' WHEN 'CORRECTION_REQUESTED' THEN '补正告知' ELSE '受理' END, NULL),
    (3, CASE g.status WHEN 'DENIED' THEN 'DENIED' ELSE 'APPROVED' END, interval '9 days', 'bench_approver',
        CASE g.status WHEN 'DENIED' THEN '不予许可' ELSE '准予许可' END, '符合条件'),
    (4, 'DELIVERED', interval '10 days', 'bench_window', '送达', '窗口领取'),
    (5, 'ARCHIVED', interval '11 days', 'bench_window', '归档', NULL)
) AS s(step, status, after, actor, action, opinion)
WHERE s.step <= CASE g.status WHEN 'RECEIVED' THEN 1 WHEN 'ACCEPTED' THEN 2 WHEN 'NOT_ACCEPTED' THEN 2
                              WHEN 'CORRECTION_REQUESTED' THEN 2 WHEN 'APPROVED' THEN 3 WHEN 'DENIED' THEN 3
                              WHEN 'DELIVERED' THEN 4 ELSE 5 END;

-- Documents: the acceptance notice and the decision, numbered per tenant and year past any real one.
INSERT INTO documents (id, case_id, tenant_code, kind, year, seq, number, issued_at, paragraphs_json)
SELECT md5(d.kind || g.n)::uuid::text, md5('case' || g.n)::uuid::text, g.tenant_code, d.kind,
       extract(year FROM g.received_at AT TIME ZONE 'Asia/Shanghai')::int, 1000000 + g.n * 2 + d.k,
       t.name || d.word || '〔' || extract(year FROM g.received_at AT TIME ZONE 'Asia/Shanghai')::int || '〕' || (1000000 + g.n * 2 + d.k) || '号',
       g.received_at + d.after, '["生成的文书"]'
FROM gen g
JOIN gen_tenants t ON t.code = g.tenant_code
CROSS JOIN LATERAL (VALUES (0, 'ACCEPTANCE_NOTICE', '受字', interval '2 hours'),
                           (1, 'APPROVAL_DECISION', '准字', interval '9 days')) AS d(k, kind, word, after)
WHERE (d.k = 0 AND g.status NOT IN ('RECEIVED','NOT_ACCEPTED','CORRECTION_REQUESTED'))
   OR (d.k = 1 AND g.status IN ('APPROVED','DELIVERED','ARCHIVED'));

-- As autovacuum would, in time: statistics, and the visibility map that lets index-only scans skip the table.
VACUUM (ANALYZE) cases; VACUUM (ANALYZE) case_events; VACUUM (ANALYZE) documents;
SELECT count(*) AS cases, count(DISTINCT tenant_code) AS tenants FROM cases;
