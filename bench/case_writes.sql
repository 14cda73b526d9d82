-- pgbench: the SQL writes of one full case (submit, accept, decide, deliver), four transactions, the rows the
-- server writes on PostgreSQL, one statement each (the server joins several into one statement; its reads are
-- not here). Extended protocol, `-M prepared`. One pgbench "transaction" = one case.
-- Variables from bench/cases.sh: item (the 教师资格认定 implementation item id).
\set n random(1, 2000000000)
-- The case's audit lane (the server derives it from the case number).
\set lane random(0, 7)
SELECT gen_random_uuid()::text AS id, gen_random_uuid()::text AS d1, gen_random_uuid()::text AS d2 \gset
-- submitCase
BEGIN;
SELECT set_config('tongban.scope', '610426000000', true);
INSERT INTO cases (id, case_no, query_hash, tenant_code, collecting_code, impl_item_id, impl_version, item_name, kind,
  status, channel, applicant_kind, applicant_name, id_type, id_number, phone, form_json, provided_json, missing_json,
  deferred_json, deferred_until, correction_due, received_at, accepted_at, concluded_at, clock_json, deadline,
  deadline_provisional, reviews_json, version, idempotency_key)
VALUES (:id, 'PGB' || :n || '-' || :id, md5(:id), '610426000000', '610426000000', :item, 1, '教师资格认定', 'PROMISED',
  'RECEIVED', 'WINDOW', 'PERSON', '王小明', '居民身份证', '11010519491231002X', '13812345678', '{"subject":"小学语文"}',
  '["申请表","身份证明","学历证书","体检合格证明","普通话水平测试等级证书"]', '[]', '[]', NULL, NULL, now(), NULL, NULL,
  NULL, NULL, false, NULL, 1, NULL);
INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
VALUES (:id, '610426000000', '610426000000', now(), 'RECEIVED', 'ys_window', '收件', NULL);
INSERT INTO audit_lanes (tenant_code, lane, seq, hash) VALUES ('610426000000', :lane, 1, repeat('0', 64))
  ON CONFLICT (tenant_code, lane) DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq AS aseq, hash AS prev \gset
WITH entry AS (INSERT INTO audit_log (tenant_code, lane, seq, at, actor, actor_tenant, action, target, before_json,
  after_json, prev_hash, hash) VALUES ('610426000000', :lane, :aseq, now(), 'ys_window', '610426000000', 'case.submit',
  :id, NULL, '{"status":"RECEIVED"}', :prev, md5(:id || :aseq) || md5(:aseq || :id)))
UPDATE audit_lanes SET hash = md5(:id || :aseq) || md5(:aseq || :id) WHERE tenant_code = '610426000000' AND lane = :lane;
COMMIT;
-- acceptCase (acceptance notice) and decideCase (decision) each number a document
BEGIN;
SELECT set_config('tongban.scope', '610426000000', true);
UPDATE cases SET status = 'ACCEPTED', accepted_at = now(), clock_json = '{"started":"2026-11-30","days":20,"pauses":[]}',
  deadline = current_date + 28, deadline_provisional = false, provided_json = provided_json, missing_json = '[]',
  deferred_json = '[]', form_json = form_json, version = 2
  WHERE id = :id AND version = 1 AND tenant_code = '610426000000';
INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
VALUES (:id, '610426000000', '610426000000', now(), 'ACCEPTED', 'ys_window', '受理', NULL);
INSERT INTO document_series (tenant_code, year, kind, seq) VALUES ('610426000000', 2026, 'ACCEPTANCE_NOTICE', 1)
  ON CONFLICT (tenant_code, year, kind) DO UPDATE SET seq = document_series.seq + 1 RETURNING seq AS dseq \gset
INSERT INTO documents (id, case_id, tenant_code, kind, year, seq, number, issued_at, paragraphs_json)
VALUES (:d1, :id, '610426000000', 'ACCEPTANCE_NOTICE', 2026, :dseq, '永寿县受字〔2026〕' || :dseq || '号', now(),
  '["王小明：","你（单位）于2026年11月28日提出的“教师资格认定”申请，经审查，申请材料齐全、符合法定形式，决定予以受理。","承诺办结时限：20个工作日。"]');
INSERT INTO audit_lanes (tenant_code, lane, seq, hash) VALUES ('610426000000', :lane, 1, repeat('0', 64))
  ON CONFLICT (tenant_code, lane) DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq AS aseq, hash AS prev \gset
WITH entry AS (INSERT INTO audit_log (tenant_code, lane, seq, at, actor, actor_tenant, action, target, before_json,
  after_json, prev_hash, hash) VALUES ('610426000000', :lane, :aseq, now(), 'ys_window', '610426000000', 'case.accept',
  :id, '{"status":"RECEIVED"}', '{"status":"ACCEPTED"}', :prev, md5(:id || :aseq) || md5(:aseq || :id)))
UPDATE audit_lanes SET hash = md5(:id || :aseq) || md5(:aseq || :id) WHERE tenant_code = '610426000000' AND lane = :lane;
COMMIT;
BEGIN;
SELECT set_config('tongban.scope', '610426000000', true);
UPDATE cases SET status = 'APPROVED', concluded_at = now(), provided_json = provided_json, missing_json = '[]',
  deferred_json = '[]', form_json = form_json, version = 3
  WHERE id = :id AND version = 2 AND tenant_code = '610426000000';
INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
VALUES (:id, '610426000000', '610426000000', now(), 'APPROVED', 'ys_approver', '决定', '符合条件');
INSERT INTO document_series (tenant_code, year, kind, seq) VALUES ('610426000000', 2026, 'APPROVAL_DECISION', 1)
  ON CONFLICT (tenant_code, year, kind) DO UPDATE SET seq = document_series.seq + 1 RETURNING seq AS dseq \gset
INSERT INTO documents (id, case_id, tenant_code, kind, year, seq, number, issued_at, paragraphs_json)
VALUES (:d2, :id, '610426000000', 'APPROVAL_DECISION', 2026, :dseq, '永寿县准字〔2026〕' || :dseq || '号', now(),
  '["王小明：","你（单位）于2026年11月28日提出的“教师资格认定”申请，经审查，符合法定条件，决定准予许可。","符合条件"]');
INSERT INTO audit_lanes (tenant_code, lane, seq, hash) VALUES ('610426000000', :lane, 1, repeat('0', 64))
  ON CONFLICT (tenant_code, lane) DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq AS aseq, hash AS prev \gset
WITH entry AS (INSERT INTO audit_log (tenant_code, lane, seq, at, actor, actor_tenant, action, target, before_json,
  after_json, prev_hash, hash) VALUES ('610426000000', :lane, :aseq, now(), 'ys_approver', '610426000000', 'case.decide',
  :id, '{"status":"ACCEPTED"}', '{"status":"APPROVED"}', :prev, md5(:id || :aseq) || md5(:aseq || :id)))
UPDATE audit_lanes SET hash = md5(:id || :aseq) || md5(:aseq || :id) WHERE tenant_code = '610426000000' AND lane = :lane;
COMMIT;
-- deliverCase
BEGIN;
SELECT set_config('tongban.scope', '610426000000', true);
UPDATE cases SET status = 'DELIVERED', provided_json = provided_json, missing_json = '[]', deferred_json = '[]',
  form_json = form_json, version = 4
  WHERE id = :id AND version = 3 AND tenant_code = '610426000000';
INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
VALUES (:id, '610426000000', '610426000000', now(), 'DELIVERED', 'ys_window', '送达', NULL);
INSERT INTO audit_lanes (tenant_code, lane, seq, hash) VALUES ('610426000000', :lane, 1, repeat('0', 64))
  ON CONFLICT (tenant_code, lane) DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq AS aseq, hash AS prev \gset
WITH entry AS (INSERT INTO audit_log (tenant_code, lane, seq, at, actor, actor_tenant, action, target, before_json,
  after_json, prev_hash, hash) VALUES ('610426000000', :lane, :aseq, now(), 'ys_window', '610426000000', 'case.deliver',
  :id, '{"status":"APPROVED"}', '{"status":"DELIVERED"}', :prev, md5(:id || :aseq) || md5(:aseq || :id)))
UPDATE audit_lanes SET hash = md5(:id || :aseq) || md5(:aseq || :id) WHERE tenant_code = '610426000000' AND lane = :lane;
COMMIT;
