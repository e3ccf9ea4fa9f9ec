-- The queue's hot path, trimmed after measuring it with no-op jobs (bench.queue,
-- statement costs on one connection, 10 jobs a call):
--
-- * render_jobs_by_post indexed every job, including the ones without a post
--   (mix jobs, an app's own kinds), so each claim and each completion of such a
--   job also wrote an index entry nobody looks up: every query of it asks for
--   one post (post_id = ...), which the partial index below answers the same.
--   Claim 0.47 -> 0.43 ms, complete 0.30 -> 0.26 ms.
-- * claim_render_jobs read render_settings on every call; only the bytebeat
--   path needs the default duration.
-- * The claim must walk render_jobs_claimable in its order and stop after
--   p_limit rows, however many jobs are queued. Without statistics (a new
--   table, or a burst far beyond what the last ANALYZE saw) the planner
--   estimates one queued row and reads every queued job through a bitmap scan
--   and a sort instead: 10.8 ms a claim with 38,000 jobs queued in a table not
--   yet analyzed, against 0.3 ms. The claim runs with enable_sort = off, which
--   leaves the ordered index scan as the only plan without a sort.

CREATE INDEX IF NOT EXISTS render_jobs_by_post_id ON render_jobs (post_id) WHERE post_id IS NOT NULL;
DROP INDEX IF EXISTS render_jobs_by_post;

CREATE OR REPLACE FUNCTION claim_render_jobs(
    p_worker text, p_limit integer, p_lease_seconds double precision, p_kinds text[]
) RETURNS TABLE (
    job_id bigint, kind text, post_id bigint, attempts integer, max_attempts integer,
    spec jsonb, expression text, mode text, sample_rate integer, duration integer,
    signature text, previous_url text
) LANGUAGE plpgsql SET enable_sort = off AS $$
DECLARE
    default_duration integer;
BEGIN
    IF NOT 'bytebeat' = ANY (p_kinds) THEN
        RETURN QUERY
        WITH picked AS (
            SELECT j.id FROM render_jobs j
             WHERE j.state = 'queued' AND j.run_after <= now() AND j.kind = ANY (p_kinds)
             ORDER BY j.priority DESC, j.run_after, j.id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE render_jobs j
               SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   started_at = now(), updated_at = now(), stage = 'claimed', progress = 0
              FROM picked pk
             WHERE j.id = pk.id
            RETURNING j.*
        )
        SELECT c.id, c.kind, c.post_id, c.attempts, c.max_attempts, c.spec,
               NULL::text, NULL::text, NULL::integer, NULL::integer, c.signature, NULL::text
          FROM claimed c
         ORDER BY c.priority DESC, c.id;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM render_inbox) THEN
        PERFORM materialize_post_jobs(1000);
    END IF;
    default_duration := (SELECT default_duration_seconds FROM render_settings WHERE id);
    RETURN QUERY
    WITH picked AS (
        SELECT j.id, j.post_id
          FROM render_jobs j
         WHERE j.state = 'queued' AND j.run_after <= now() AND j.kind = ANY (p_kinds)
         ORDER BY j.priority DESC, j.run_after, j.id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ), inputs AS (
        SELECT pk.id, p.expression, p.mode, p.sample_rate, p.sample_url,
               coalesce(p.prerender_duration, default_duration) AS duration
          FROM picked pk LEFT JOIN posts p ON p.id = pk.post_id
    ), claimed AS (
        UPDATE render_jobs j
           SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               started_at = now(), updated_at = now(), stage = 'claimed', progress = 0,
               signature = CASE WHEN i.expression IS NULL THEN j.signature
                                ELSE render_signature(i.expression, i.mode, i.sample_rate, i.duration) END
          FROM inputs i
         WHERE j.id = i.id
        RETURNING j.*
    )
    SELECT c.id, c.kind, c.post_id, c.attempts, c.max_attempts, c.spec,
           i.expression, i.mode, i.sample_rate, i.duration, c.signature, i.sample_url
      FROM claimed c JOIN inputs i ON i.id = c.id
     ORDER BY c.priority DESC, c.id;
END $$;
