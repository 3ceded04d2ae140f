-- The people a plan's owner (plans.user_id) has let in, each as an editor or a viewer.
CREATE TABLE plan_members (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role VARCHAR(20) NOT NULL,
    -- Who sent the invitation this membership came from (NULL once their account is gone).
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- The member wants a mail digest of the others' changes (at most one an hour).
    notify_changes BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_plan_member_role CHECK (role IN ('editor', 'viewer')),
    CONSTRAINT plan_members_plan_user_key UNIQUE (plan_id, user_id)
);

-- "Shared with me" on My plans, and an account's memberships (deletion, export).
CREATE INDEX idx_plan_members_user ON plan_members (user_id, created_at DESC);

-- The role of the request's user on a plan, or NULL. It runs as the tables' owner, which
-- plan_members' policies do not bind (its row-level security is enabled, not forced): the
-- policies of plans can ask it without PostgreSQL's policies recursing into each other.
CREATE FUNCTION plan_member_role(plan integer) RETURNS varchar
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
    SELECT role FROM public.plan_members
    WHERE plan_id = plan
      AND user_id = nullif(current_setting('app.user_id', true), '')::integer
$$;

-- Whether the request may change the plan's rows (owner, editor, staff), or its members
-- (owner, staff). Plain functions: the policies of plans decide what they can see.
CREATE FUNCTION plan_writable(plan integer) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.plans
        WHERE plans.id = plan
          AND (plans.user_id = nullif(current_setting('app.user_id', true), '')::integer
               OR plan_member_role(plans.id) = 'editor'
               OR current_setting('app.staff', true) = 'on'))
$$;
CREATE FUNCTION plan_owned(plan integer) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.plans
        WHERE plans.id = plan
          AND (plans.user_id = nullif(current_setting('app.user_id', true), '')::integer
               OR current_setting('app.staff', true) = 'on'))
$$;

-- Members read their plans; editors change them (deleting and sharing stay the owner's).
CREATE POLICY plans_member ON plans FOR SELECT
    USING (plan_member_role(id) IS NOT NULL);
CREATE POLICY plans_editor ON plans FOR UPDATE
    USING (plan_member_role(id) = 'editor')
    WITH CHECK (plan_member_role(id) = 'editor');

-- Only the owner hands a plan over, shares it or makes it public: an editor's update (which
-- the policies allow) cannot touch those columns, not even by a query that forgets its filter.
CREATE FUNCTION plans_owner_columns_by_owner() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF (NEW.user_id, NEW.share_token, NEW.is_public)
           IS DISTINCT FROM (OLD.user_id, OLD.share_token, OLD.is_public)
       AND nullif(current_setting('app.user_id', true), '') IS NOT NULL
       AND nullif(current_setting('app.user_id', true), '')::integer <> OLD.user_id THEN
        RAISE EXCEPTION 'only the owner of plan % hands it over or shares it', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER plans_owner_columns_by_owner BEFORE UPDATE OF user_id, share_token, is_public
    ON plans FOR EACH ROW EXECUTE FUNCTION plans_owner_columns_by_owner();

-- Activities: whoever sees the plan reads them; its owner, its editors and staff change them.
DROP POLICY activities_of_visible_plans ON plan_activities;
CREATE POLICY activities_read ON plan_activities FOR SELECT
    USING (EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_activities.plan_id));
CREATE POLICY activities_insert ON plan_activities FOR INSERT
    WITH CHECK (plan_writable(plan_id));
CREATE POLICY activities_update ON plan_activities FOR UPDATE
    USING (plan_writable(plan_id)) WITH CHECK (plan_writable(plan_id));
CREATE POLICY activities_delete ON plan_activities FOR DELETE
    USING (plan_writable(plan_id));

ALTER TABLE plan_members ENABLE ROW LEVEL SECURITY;
-- A member sees the members of their plans; the owner (and staff) change them; a member
-- may take themselves off.
CREATE POLICY members_read ON plan_members FOR SELECT
    USING (EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_members.plan_id
                   AND (plans.user_id = nullif(current_setting('app.user_id', true), '')::integer
                        OR plan_member_role(plans.id) IS NOT NULL
                        OR current_setting('app.staff', true) = 'on')));
CREATE POLICY members_owner ON plan_members
    USING (plan_owned(plan_id)) WITH CHECK (plan_owned(plan_id));
CREATE POLICY members_leave ON plan_members FOR DELETE
    USING (user_id = nullif(current_setting('app.user_id', true), '')::integer);
