-- A member chooses for themselves whether they get a mail digest of the others' changes
-- (plan_members.notify_changes): they may update their own membership row, and only that
-- column of it; the owner (and staff) change the rest, as before.
CREATE POLICY members_own_choice ON plan_members FOR UPDATE
    USING (user_id = nullif(current_setting('app.user_id', true), '')::integer)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::integer);

CREATE FUNCTION plan_members_own_choice_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT plan_owned(OLD.plan_id)
       AND (NEW.plan_id, NEW.user_id, NEW.role, NEW.invited_by, NEW.created_at)
           IS DISTINCT FROM (OLD.plan_id, OLD.user_id, OLD.role, OLD.invited_by, OLD.created_at)
    THEN
        RAISE EXCEPTION 'a member of plan % changes only their own digest choice', OLD.plan_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER plan_members_own_choice_only BEFORE UPDATE ON plan_members
    FOR EACH ROW EXECUTE FUNCTION plan_members_own_choice_only();
