-- Every statement the listener runs, each under a `-- name: <key>` header with a
-- one-line description. listener/db/queries.py loads them into a dict.

-- name: claim_jobs
-- Claim up to $2 due jobs of kinds $4 for worker $1 under a lease of $3 seconds.
SELECT * FROM claim_render_jobs($1, $2, $3, $4);

-- name: renew_leases
-- Renew worker $1's leases on jobs $2 for $3 seconds; returns the ids still owned.
SELECT renew_render_leases AS id FROM renew_render_leases($1, $2, $3);

-- name: complete_post_renders
-- Write posts' results (arrays, one element per job), each only if its post's inputs
-- still match the rendered signature; one statement for a group of finished jobs.
SELECT job_id, outcome, replaced_url FROM complete_post_renders($1, $2, $3, $4, $5, $6);

-- name: complete_jobs
-- Finish jobs without a post (mix or no-op jobs) with their JSON results, in one statement.
SELECT job_id, outcome FROM complete_render_jobs($1, $2, $3);

-- name: fail_job
-- Fail a job for good with a message (copied to the post's render_error).
SELECT fail_render_job($1, $2, $3);

-- name: retry_job
-- Re-queue a job after a transient error, or fail it when its attempts are used.
SELECT retry_render_job($1, $2, $3, $4, $5);

-- name: release_job
-- Give a claimed job back to the queue without counting the attempt.
SELECT release_render_job($1, $2);

-- name: requeue_expired
-- Re-queue (or fail) running jobs whose lease expired.
SELECT requeue_expired_render_jobs($1);

-- name: next_wakeup
-- Seconds until the earliest future run_after of a queued job of kinds $1, or lease
-- expiry of a job another worker than $2 runs (ours are renewed by heartbeats).
SELECT extract(epoch FROM least(
           (SELECT min(run_after) FROM render_jobs
             WHERE state = 'queued' AND kind = ANY ($1) AND run_after > now()),
           (SELECT min(lease_expires_at) FROM render_jobs
             WHERE state = 'running' AND lease_owner IS DISTINCT FROM $2)
       ) - now())::float8 AS seconds;

-- name: set_progress
-- Record a running job's stage and progress (0-100); never moves progress back.
SELECT set_render_progress($1, $2, $3, $4);

-- name: subscribe_progress
-- On the event hub's LISTEN connection: render_progress is published while a subscriber exists.
SELECT render_progress_subscribe();

-- name: set_default_duration
-- Publish this service's RENDER_DURATION as the default for posts without one.
SELECT set_default_render_duration($1);

-- name: queue_counts
-- Jobs by state, and how many queued ones are due now (the queue depth), for /metrics
-- and /api/summary.
SELECT state, count(*)::bigint AS n,
       count(*) FILTER (WHERE run_after <= now())::bigint AS due
  FROM render_jobs GROUP BY state;

-- name: list_jobs
-- The newest jobs (of state $1, or every state when null), at most $2, for the dashboard.
SELECT j.id, j.kind, j.post_id, p.title, j.state, j.stage, j.progress, j.attempts, j.error,
       j.created_at, j.started_at, j.finished_at,
       j.result ->> 'url' AS audio_url, j.result ->> 'waveform_url' AS waveform_url, j.result
  FROM render_jobs j LEFT JOIN posts p ON p.id = j.post_id
 WHERE $1::text IS NULL OR j.state = $1
 ORDER BY j.id DESC
 LIMIT $2;

-- name: job_by_id
-- One job in the shape of list_jobs (for events and the admin actions' answers).
SELECT j.id, j.kind, j.post_id, p.title, j.state, j.stage, j.progress, j.attempts, j.error,
       j.created_at, j.started_at, j.finished_at,
       j.result ->> 'url' AS audio_url, j.result ->> 'waveform_url' AS waveform_url, j.result
  FROM render_jobs j LEFT JOIN posts p ON p.id = j.post_id
 WHERE j.id = $1;

-- name: cancel_job
-- An operator cancels a queued or running job; returns the state after the call (null: no job).
SELECT cancel_render_job($1, $2);

-- name: requeue_job
-- An operator runs a failed or cancelled job again; returns 'queued', 'busy:<id>',
-- the state of a job that cannot be retried, or null (no job).
SELECT requeue_render_job($1);

-- name: url_is_referenced
-- Whether any post points at this sample URL.
SELECT EXISTS (SELECT 1 FROM posts WHERE sample_url = $1);

-- name: sample_urls
-- Every URL a post points at (objects gc must keep).
SELECT sample_url FROM posts WHERE sample_url IS NOT NULL;

-- name: active_render_keys
-- Posts and signatures of jobs that may still upload (objects gc must keep).
SELECT post_id, signature FROM render_jobs
 WHERE state IN ('queued', 'running') AND post_id IS NOT NULL AND signature IS NOT NULL;

-- name: arm_wakeup
-- An idle worker asks to be notified by the next enqueue.
SELECT arm_render_wakeup();

-- name: unnotified_enqueuers
-- Backends whose open transactions may have enqueued work without notifying.
SELECT unnotified_enqueuers AS pid FROM unnotified_enqueuers();

-- name: wait_for_enqueuer
-- Wait (inside a transaction) until that backend's current transaction has ended.
SELECT pg_advisory_xact_lock(2002873189, $1);
