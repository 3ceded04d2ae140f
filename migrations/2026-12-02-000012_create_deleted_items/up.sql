-- Deleting a plan or an activity keeps a copy of its rows here for the undo window, so
-- "Undo" puts them back as they were, under their own ids (links to the plan and its
-- share link keep working). Rows older than the window are purged.
CREATE TABLE deleted_items (
    id SERIAL PRIMARY KEY,
    -- Who deleted it, and the only one who may undo it.
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The plan deleted, or the plan the activity was in (no foreign key: it may be gone).
    plan_id INTEGER NOT NULL,
    -- The activity deleted; NULL when the whole plan was.
    activity_id INTEGER,
    title VARCHAR(255) NOT NULL,
    -- The plan's row, when the whole plan was deleted.
    plan_row JSONB,
    -- The activities' rows (the one activity, or all of the plan's).
    activity_rows JSONB NOT NULL,
    deleted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_deleted_item_kind CHECK ((activity_id IS NULL) = (plan_row IS NOT NULL))
);

CREATE INDEX idx_deleted_items_deleted_at ON deleted_items (deleted_at);

-- As for plans: a user sees their own; staff (the purge) every row.
ALTER TABLE deleted_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE deleted_items FORCE ROW LEVEL SECURITY;
CREATE POLICY deleted_items_owner ON deleted_items
    USING (user_id = nullif(current_setting('app.user_id', true), '')::integer);
CREATE POLICY deleted_items_staff ON deleted_items
    USING (current_setting('app.staff', true) = 'on');
