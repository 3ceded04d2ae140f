-- Archival moves a plan's members and history with it, so a restored plan has both back.
-- Same columns, defaults, constraints and indexes as the live tables; the plan they belong
-- to is an archived one, and the accounts they name are live ones, as in the live tables
-- (deleting an account takes its archived memberships with it and leaves its archived
-- changes to "a former member").
CREATE TABLE archived_plan_members (LIKE plan_members INCLUDING ALL);
ALTER TABLE archived_plan_members
    ADD CONSTRAINT archived_plan_members_plan_id_fkey
    FOREIGN KEY (plan_id) REFERENCES archived_plans(id) ON DELETE CASCADE,
    ADD CONSTRAINT archived_plan_members_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    ADD CONSTRAINT archived_plan_members_invited_by_fkey
    FOREIGN KEY (invited_by) REFERENCES users(id) ON DELETE SET NULL;

CREATE TABLE archived_plan_changes (LIKE plan_changes INCLUDING ALL);
ALTER TABLE archived_plan_changes
    ADD CONSTRAINT archived_plan_changes_plan_id_fkey
    FOREIGN KEY (plan_id) REFERENCES archived_plans(id) ON DELETE CASCADE,
    ADD CONSTRAINT archived_plan_changes_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;

-- Only archival and restore (staff) move these rows; the owner of the archived plan may
-- read them. Nobody else sees them, even by a query that forgets its filter.
ALTER TABLE archived_plan_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE archived_plan_members FORCE ROW LEVEL SECURITY;
CREATE POLICY archived_members_staff ON archived_plan_members
    USING (current_setting('app.staff', true) = 'on');
CREATE POLICY archived_members_owner ON archived_plan_members FOR SELECT
    USING (EXISTS (SELECT 1 FROM archived_plans p WHERE p.id = archived_plan_members.plan_id
                   AND p.user_id = nullif(current_setting('app.user_id', true), '')::integer));

ALTER TABLE archived_plan_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE archived_plan_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY archived_changes_staff ON archived_plan_changes
    USING (current_setting('app.staff', true) = 'on');
CREATE POLICY archived_changes_owner ON archived_plan_changes FOR SELECT
    USING (EXISTS (SELECT 1 FROM archived_plans p WHERE p.id = archived_plan_changes.plan_id
                   AND p.user_id = nullif(current_setting('app.user_id', true), '')::integer));
