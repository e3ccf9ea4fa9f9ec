-- The apps' insert path pays almost nothing: a post INSERT no longer writes one
-- render_jobs row per post (heap tuple, four index entries and a foreign-key
-- check each, which cut bulk inserts to a quarter of their speed). It writes one
-- small row per *statement* into render_inbox, the range of post ids the
-- statement inserted, and wakes an idle worker once per transaction. A worker
-- turns inbox rows into jobs when it claims (claim_render_jobs below), so the
-- queue looks the same to everything after the claim.

-- One row per INSERT statement on posts. No primary key and no index on
-- purpose: an insert here touches the heap only. Workers take rows with
-- SKIP LOCKED and delete them in the transaction that creates their jobs.
CREATE TABLE IF NOT EXISTS render_inbox (
    first_id  bigint NOT NULL,
    last_id   bigint NOT NULL
);


-- The wake-up check (see render_wakeup in 0001), once per transaction: the
-- shared advisory lock taken by the first check is held to the end of the
-- transaction, so a worker that arms later waits for this transaction anyway;
-- checking again in later statements would change nothing. The flag is a
-- transaction-local setting (it reverts with a rolled-back savepoint, and so
-- does the lock, so the next statement checks again).
CREATE OR REPLACE FUNCTION wake_render_workers() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('render.wake_checked', true) = 'on' THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(2002873189, pg_backend_pid());
    PERFORM set_config('render.wake_checked', 'on', true);
    IF (SELECT armed FROM render_wakeup WHERE id) THEN
        UPDATE render_wakeup SET armed = false WHERE id AND armed;
        PERFORM pg_notify('render_jobs', '');
    END IF;
END $$;

CREATE OR REPLACE FUNCTION notify_render_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wake_render_workers();
    RETURN NULL;
END $$;


-- AFTER INSERT, once per statement: the range of ids of the new posts that want
-- a render (not drafts, not already rendered), and the wake-up check.
CREATE OR REPLACE FUNCTION posts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO render_inbox (first_id, last_id)
    SELECT min(n.id), max(n.id) FROM new_posts n
     WHERE NOT n.is_draft AND NOT n.pre_rendered
    HAVING count(*) > 0;
    IF FOUND THEN
        PERFORM wake_render_workers();
    END IF;
    RETURN NULL;
END $$;


-- Turn up to p_inbox_rows inbox rows into jobs; returns the number of jobs made.
-- A range can also hold ids of other statements' posts (identity values of
-- concurrent inserts interleave, and apps may give ids themselves), so a post
-- gets a job only if it wants one and never had one: a post that already has a
-- job, or failed, is left as it is. The jobs are unsigned, like the ones the
-- insert trigger used to make: the claim signs the inputs it renders.
CREATE OR REPLACE FUNCTION materialize_post_jobs(p_inbox_rows integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    made integer;
BEGIN
    WITH taken AS (
        DELETE FROM render_inbox
         WHERE ctid = ANY (ARRAY(SELECT ctid FROM render_inbox LIMIT p_inbox_rows
                                    FOR UPDATE SKIP LOCKED))
        RETURNING first_id, last_id
    )
    INSERT INTO render_jobs (kind, post_id)
    SELECT 'bytebeat', p.id
      FROM posts p
     WHERE EXISTS (SELECT 1 FROM taken t WHERE p.id BETWEEN t.first_id AND t.last_id)
       AND NOT p.is_draft AND NOT p.pre_rendered AND p.render_error IS NULL
       AND NOT EXISTS (SELECT 1 FROM render_jobs j WHERE j.post_id = p.id)
     ORDER BY p.id
    ON CONFLICT (post_id) WHERE state = 'queued' AND post_id IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    RETURN made;
END $$;


-- An edit racing with a worker that is turning the post's inbox row into a job:
-- whichever queued job commits first stays (an unsigned one renders the inputs
-- current at its claim), the other insert is dropped instead of failing the
-- app's UPDATE on the one-queued-job-per-post index.
CREATE OR REPLACE FUNCTION enqueue_post_render(p_post_id bigint, p_signature text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE render_jobs
       SET state = 'cancelled', error = 'superseded: the post changed before this job ran',
           finished_at = now(), updated_at = now()
     WHERE post_id = p_post_id AND state = 'queued' AND signature IS DISTINCT FROM p_signature;
    IF NOT EXISTS (SELECT 1 FROM render_jobs
                    WHERE post_id = p_post_id AND state IN ('queued', 'running')
                      AND signature = p_signature) THEN
        INSERT INTO render_jobs (kind, post_id, signature) VALUES ('bytebeat', p_post_id, p_signature)
        ON CONFLICT (post_id) WHERE state = 'queued' AND post_id IS NOT NULL DO NOTHING;
    END IF;
END $$;


-- Claim as in 0001, after turning waiting inbox rows into jobs (the inbox check
-- is one look at an almost always empty heap). Kinds without posts (mix jobs,
-- an app's own kinds) skip the posts lookups and the signature: they cost a
-- third of a claim's time when nothing needs them.
CREATE OR REPLACE FUNCTION claim_render_jobs(
    p_worker text, p_limit integer, p_lease_seconds double precision, p_kinds text[]
) RETURNS TABLE (
    job_id bigint, kind text, post_id bigint, attempts integer, max_attempts integer,
    spec jsonb, expression text, mode text, sample_rate integer, duration integer,
    signature text, previous_url text
) LANGUAGE plpgsql AS $$
DECLARE
    default_duration integer := (SELECT default_duration_seconds FROM render_settings WHERE id);
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
