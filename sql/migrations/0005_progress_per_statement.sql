-- render_progress, once per statement instead of once per row, and only while
-- someone subscribes.
--
-- The row trigger of 0002 ran a plpgsql function and queued one notification
-- for every row a statement changed; a claim of 10 jobs and its completion sent
-- 20, and every LISTENing backend had to read each one. Measured with no-op
-- jobs (bench.queue, variant rj:no-events) that halved the queue's throughput.
-- Now one statement-level trigger sends one notification per statement whose
-- payload is a JSON array of the jobs it changed (split over several
-- notifications when it would pass NOTIFY's 8000-byte limit):
--   [{"job_id","post_id","kind","state","stage","progress"}, ...]
-- and it runs only while a subscriber exists: a session that wants the events
-- runs `LISTEN render_progress; SELECT render_progress_subscribe();`, which
-- holds a shared advisory lock (class 2002873190, key 3) until the session ends.
-- Every service's event hub (the source of /events) is such a subscriber. A
-- writing session looks for subscribers at most once a second, so a new
-- subscriber may miss up to a second of events (the dashboard reloads its lists
-- when it connects).

CREATE OR REPLACE FUNCTION render_progress_subscribe() RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_lock_shared(2002873190, 3)
$$;

CREATE OR REPLACE FUNCTION render_progress_wanted() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    cached text := current_setting('render.progress_wanted', true);
    second text := floor(extract(epoch FROM clock_timestamp()))::bigint::text;
    wanted boolean;
BEGIN
    IF cached IS NOT NULL AND split_part(cached, ':', 1) = second THEN
        RETURN split_part(cached, ':', 2) = 't';
    END IF;
    wanted := EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND classid = 2002873190 AND objid = 3
                         AND objsubid = 2 AND granted);
    PERFORM set_config('render.progress_wanted', second || ':' || CASE WHEN wanted THEN 't' ELSE 'f' END, false);
    RETURN wanted;
END $$;

DROP TRIGGER IF EXISTS render_jobs_progress ON render_jobs;

CREATE OR REPLACE FUNCTION notify_render_progress_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    FOR payload IN
        SELECT json_agg(e.event ORDER BY e.id)::text
          FROM (SELECT n.id, render_job_event(n)::json AS event,
                       (row_number() OVER (ORDER BY n.id) - 1) / 40 AS chunk
                  FROM changed_new n JOIN changed_old o ON o.id = n.id
                 WHERE o.state IS DISTINCT FROM n.state OR o.stage IS DISTINCT FROM n.stage
                    OR o.progress IS DISTINCT FROM n.progress) e
         GROUP BY e.chunk
         ORDER BY e.chunk
    LOOP
        PERFORM pg_notify('render_progress', payload);
    END LOOP;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS render_jobs_progress_rows ON render_jobs;
CREATE TRIGGER render_jobs_progress_rows AFTER UPDATE ON render_jobs
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT WHEN (render_progress_wanted()) EXECUTE FUNCTION notify_render_progress_rows();

-- A running job cancelled by anyone but its own worker discarding a superseded
-- result: its worker stops the render at once. Whether or not anyone subscribes
-- to progress; the row condition costs nothing on other updates.
CREATE OR REPLACE FUNCTION notify_render_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('render_cancel', NEW.id::text);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS render_jobs_cancel ON render_jobs;
CREATE TRIGGER render_jobs_cancel AFTER UPDATE OF state ON render_jobs
    FOR EACH ROW
    WHEN (OLD.state = 'running' AND NEW.state = 'cancelled' AND NEW.stage IS DISTINCT FROM 'superseded')
    EXECUTE FUNCTION notify_render_cancel();

DROP FUNCTION IF EXISTS notify_render_progress();
