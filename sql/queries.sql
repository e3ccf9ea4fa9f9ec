-- Every statement the listener runs, each under a `-- name: <key>` header with a
-- one-line description. listener/db/queries.py loads them into a dict.

-- name: claim_jobs
-- Claim up to $2 due jobs of kinds $4 for worker $1 under a lease of $3 seconds.
SELECT * FROM claim_render_jobs($1, $2, $3, $4);

-- name: renew_leases
-- Renew worker $1's leases on jobs $2 for $3 seconds; returns the ids still owned.
SELECT renew_render_leases AS id FROM renew_render_leases($1, $2, $3);

-- name: complete_post_render
-- Write a post's result if its inputs still match the rendered signature.
SELECT outcome, replaced_url FROM complete_post_render($1, $2, $3, $4, $5, $6);

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

-- name: set_stage
-- Record a running job's stage and progress (0-100).
UPDATE render_jobs SET stage = $3, progress = $4, updated_at = now()
 WHERE id = $1 AND lease_owner = $2 AND state = 'running';

-- name: set_progress
-- Move a rendering job's progress forward (late updates never move it back).
UPDATE render_jobs SET progress = $3, updated_at = now()
 WHERE id = $1 AND lease_owner = $2 AND state = 'running' AND stage = 'rendering' AND progress < $3;

-- name: set_default_duration
-- Publish this service's RENDER_DURATION as the default for posts without one.
SELECT set_default_render_duration($1);

-- name: queue_counts
-- Jobs by state, for /health and /stats.
SELECT state, count(*)::bigint AS n FROM render_jobs GROUP BY state;

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
