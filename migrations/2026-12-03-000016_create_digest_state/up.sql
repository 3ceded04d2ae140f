-- Where each member's digest of the others' changes stands: the newest change it has
-- covered and when the last one went out. The background task claims due rows with
-- SELECT … FOR UPDATE SKIP LOCKED, so PostgreSQL is the queue and several server
-- instances on one database send each digest once.
CREATE TABLE plan_member_digests (
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Changes with a greater id are news to this member.
    last_change_id BIGINT NOT NULL DEFAULT 0,
    -- When the last digest was sent (NULL: none yet).
    sent_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (plan_id, user_id),
    -- Leaving a plan, being removed, or the plan going away ends the digests.
    CONSTRAINT plan_member_digests_member_fkey FOREIGN KEY (plan_id, user_id)
        REFERENCES plan_members (plan_id, user_id) ON DELETE CASCADE
);

-- The task's scan: rows by when they were last sent.
CREATE INDEX idx_plan_member_digests_sent_at ON plan_member_digests (sent_at NULLS FIRST);
-- The foreign key to users is checked on every account deletion.
CREATE INDEX idx_plan_member_digests_user ON plan_member_digests (user_id);

-- Turning the digest on (or joining with it on) starts it now, so the first mail holds what
-- happened since the member asked, not the plan's whole past. "Now" is the change ids
-- handed out so far (the sequence, whatever row-level security lets the caller read of
-- plan_changes). Turning it off and on again starts afresh; when the last mail went out
-- is kept, so the interval still holds.
CREATE FUNCTION plan_member_digests_start() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.notify_changes AND (TG_OP = 'INSERT' OR NOT OLD.notify_changes) THEN
        INSERT INTO plan_member_digests (plan_id, user_id, last_change_id)
        SELECT NEW.plan_id, NEW.user_id,
               CASE WHEN is_called THEN last_value ELSE 0 END
        FROM plan_changes_id_seq
        ON CONFLICT (plan_id, user_id)
            DO UPDATE SET last_change_id = EXCLUDED.last_change_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER plan_member_digests_start AFTER INSERT OR UPDATE OF notify_changes ON plan_members
    FOR EACH ROW EXECUTE FUNCTION plan_member_digests_start();

-- Members who asked before this table existed start now.
INSERT INTO plan_member_digests (plan_id, user_id, last_change_id)
SELECT m.plan_id, m.user_id, CASE WHEN s.is_called THEN s.last_value ELSE 0 END
FROM plan_members m, plan_changes_id_seq s WHERE m.notify_changes;

ALTER TABLE plan_member_digests ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_member_digests FORCE ROW LEVEL SECURITY;
-- The background task (staff) reads and advances every row; a member's own row follows
-- their choice (the trigger above runs as them), as it does when the owner sets it.
CREATE POLICY digests_staff ON plan_member_digests
    USING (current_setting('app.staff', true) = 'on');
CREATE POLICY digests_member ON plan_member_digests
    USING (user_id = nullif(current_setting('app.user_id', true), '')::integer)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::integer);
CREATE POLICY digests_owner ON plan_member_digests
    USING (plan_owned(plan_id)) WITH CHECK (plan_owned(plan_id));
