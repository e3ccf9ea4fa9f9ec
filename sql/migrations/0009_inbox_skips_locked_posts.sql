-- Turning inbox rows into jobs no longer waits for an app's lock on a post.
--
-- A new job row's foreign key locks its post FOR KEY SHARE. A post an app
-- holds FOR UPDATE (SELECT ... FOR UPDATE, or a DELETE in progress) made that
-- INSERT wait, and with it the whole claim that materialised the inbox: one
-- open app transaction stopped every worker's claims. Now the posts are locked
-- FOR KEY SHARE SKIP LOCKED first; the jobs are made for those, and the posts
-- that were skipped go back to the inbox, one row each, for a later claim (the
-- next notification or sweep; at the latest the safety sweep).

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
    ), wanted AS (
        SELECT p.id
          FROM posts p
         WHERE EXISTS (SELECT 1 FROM taken t WHERE p.id BETWEEN t.first_id AND t.last_id)
           AND NOT p.is_draft AND NOT p.pre_rendered AND p.render_error IS NULL
           AND NOT EXISTS (SELECT 1 FROM render_jobs j WHERE j.post_id = p.id)
    ), lockable AS (
        SELECT p.id FROM posts p WHERE p.id IN (SELECT w.id FROM wanted w)
           FOR KEY SHARE SKIP LOCKED
    ), later AS (
        INSERT INTO render_inbox (first_id, last_id)
        SELECT w.id, w.id FROM wanted w WHERE w.id NOT IN (SELECT l.id FROM lockable l)
    )
    INSERT INTO render_jobs (kind, post_id)
    SELECT 'bytebeat', l.id FROM lockable l ORDER BY l.id
    ON CONFLICT (post_id) WHERE state = 'queued' AND post_id IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    RETURN made;
END $$;
