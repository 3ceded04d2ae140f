-- Who changed what in a plan, and when: its history page, the "last changed by" of each
-- activity, and the members' digests.
CREATE TABLE plan_changes (
    id BIGSERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    -- NULL once the account is gone: the history stays, as "a former member".
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- The activity it concerns (no foreign key: a deleted activity keeps its history).
    activity_id INTEGER,
    action VARCHAR(40) NOT NULL,
    summary VARCHAR(300) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The history page, newest first, by keyset; the last change of each activity; a user's
-- changes (GDPR export).
CREATE INDEX idx_plan_changes_plan ON plan_changes (plan_id, created_at DESC, id DESC);
CREATE INDEX idx_plan_changes_activity ON plan_changes (plan_id, activity_id, created_at DESC)
    WHERE activity_id IS NOT NULL;
CREATE INDEX idx_plan_changes_user ON plan_changes (user_id);

ALTER TABLE plan_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_changes FORCE ROW LEVEL SECURITY;
-- The plan's owner and members read its history (staff too); anyone on the plan records
-- what they did themselves (a viewer leaving, for one). Nobody rewrites it.
CREATE POLICY changes_read ON plan_changes FOR SELECT
    USING (EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_changes.plan_id
                   AND (plans.user_id = nullif(current_setting('app.user_id', true), '')::integer
                        OR plan_member_role(plans.id) IS NOT NULL
                        OR current_setting('app.staff', true) = 'on')));
CREATE POLICY changes_record ON plan_changes FOR INSERT
    WITH CHECK (current_setting('app.staff', true) = 'on'
                OR (user_id = nullif(current_setting('app.user_id', true), '')::integer
                    AND EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_changes.plan_id
                                AND (plans.user_id = plan_changes.user_id
                                     OR plan_member_role(plans.id) IS NOT NULL))));
