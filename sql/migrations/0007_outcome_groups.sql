-- Outcomes written in groups. A worker writes the outcomes of the jobs that
-- finished while its previous outcome statement was in flight in one statement
-- (listener/outcomes.py), so a stream of short jobs costs one round trip and
-- one transaction per group rather than per job. complete_render_jobs already
-- takes arrays; this is the same for posts' renders.

-- complete_post_render for many jobs of one worker: element k of each array
-- belongs to job k. Jobs are written in id order, so two workers completing
-- at once lock rows in the same order. Returns each job with its outcome
-- ('done', 'stale' or 'lost') and, when done, the URL the post had before
-- (NULL when none or the same).
CREATE OR REPLACE FUNCTION complete_post_renders(
    p_worker text, p_job_ids bigint[], p_signatures text[], p_sample_urls text[],
    p_durations integer[], p_results jsonb[]
) RETURNS TABLE (job_id bigint, outcome text, replaced_url text) LANGUAGE plpgsql AS $$
DECLARE
    k integer;
BEGIN
    FOR k IN SELECT i FROM generate_subscripts(p_job_ids, 1) AS i ORDER BY p_job_ids[i] LOOP
        job_id := p_job_ids[k];
        SELECT c.outcome, c.replaced_url INTO outcome, replaced_url
          FROM complete_post_render(p_job_ids[k], p_worker, p_signatures[k], p_sample_urls[k],
                                    p_durations[k], p_results[k]) c;
        RETURN NEXT;
    END LOOP;
END $$;
