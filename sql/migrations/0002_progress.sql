-- Operations surface: progress and state events, operator retry and cancel.
--
-- Channel render_progress: one NOTIFY per change of a job's state, stage or
-- progress, payload {"job_id","post_id","kind","state","stage","progress"}.
-- It is sent by a trigger, so every writer (any worker, an app, psql) publishes
-- the same events. Inserting a job sends none: the apps' insert path stays as
-- cheap as before (a queued job shows up in events when it is claimed).
--
-- Channel render_cancel: payload the job id, when a running job is cancelled
-- (other than by its own worker discarding a superseded result), so the worker
-- stops the render at once; its lease renewal notices too, as the fallback.

CREATE OR REPLACE FUNCTION render_job_event(j render_jobs) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('job_id', j.id, 'post_id', j.post_id, 'kind', j.kind,
                             'state', j.state, 'stage', j.stage, 'progress', j.progress)::text
$$;

CREATE OR REPLACE FUNCTION notify_render_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('render_progress', render_job_event(NEW));
    IF OLD.state = 'running' AND NEW.state = 'cancelled'
       AND NEW.stage IS DISTINCT FROM 'superseded' THEN
        PERFORM pg_notify('render_cancel', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS render_jobs_progress ON render_jobs;
CREATE TRIGGER render_jobs_progress AFTER UPDATE OF state, stage, progress ON render_jobs
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.stage IS DISTINCT FROM NEW.stage
          OR OLD.progress IS DISTINCT FROM NEW.progress)
    EXECUTE FUNCTION notify_render_progress();


-- A running job's stage and progress, written by its lease owner. Progress
-- never moves back (a late write of an older value changes nothing), so the
-- events of one job arrive in order.
CREATE OR REPLACE FUNCTION set_render_progress(
    p_job_id bigint, p_worker text, p_stage text, p_progress integer
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE render_jobs SET stage = p_stage, progress = p_progress, updated_at = now()
     WHERE id = p_job_id AND lease_owner = p_worker AND state = 'running'
       AND progress <= p_progress
       AND (stage IS DISTINCT FROM p_stage OR progress <> p_progress);
    RETURN FOUND;
END $$;


-- An operator cancels a queued or running job (a running one's worker hears it
-- on render_cancel and stops the render). Returns the job's state after the call,
-- or NULL when there is no such job; a finished job keeps its state.
CREATE OR REPLACE FUNCTION cancel_render_job(p_job_id bigint, p_reason text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    current_state text;
BEGIN
    SELECT state INTO current_state FROM render_jobs WHERE id = p_job_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF current_state NOT IN ('queued', 'running') THEN
        RETURN current_state;
    END IF;
    UPDATE render_jobs
       SET state = 'cancelled', stage = 'cancelled', error = p_reason, lease_owner = NULL,
           lease_expires_at = NULL, finished_at = now(), updated_at = now()
     WHERE id = p_job_id;
    RETURN 'cancelled';
END $$;


-- An operator runs a failed or cancelled job again, from scratch (attempts
-- reset). A post has at most one queued job, so a post that already has a
-- queued or running job is refused with 'busy:<that job id>'. Returns 'queued',
-- the unchanged state of a job that cannot be retried, or NULL when there is no
-- such job.
CREATE OR REPLACE FUNCTION requeue_render_job(p_job_id bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    job render_jobs;
    other bigint;
BEGIN
    SELECT * INTO job FROM render_jobs WHERE id = p_job_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF job.state NOT IN ('failed', 'cancelled') THEN
        RETURN job.state;
    END IF;
    IF job.post_id IS NOT NULL THEN
        PERFORM 1 FROM posts WHERE id = job.post_id FOR UPDATE;  -- serialise with its enqueues
        SELECT id INTO other FROM render_jobs
         WHERE post_id = job.post_id AND state IN ('queued', 'running') AND id <> p_job_id
         LIMIT 1;
        IF FOUND THEN
            RETURN 'busy:' || other;
        END IF;
    END IF;
    UPDATE render_jobs
       SET state = 'queued', stage = 'queued', progress = 0, attempts = 0, error = NULL,
           result = NULL, lease_owner = NULL, lease_expires_at = NULL, run_after = now(),
           started_at = NULL, finished_at = NULL, updated_at = now()
     WHERE id = p_job_id;
    RETURN 'queued';
END $$;
