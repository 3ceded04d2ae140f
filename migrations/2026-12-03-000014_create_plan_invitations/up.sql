-- An invitation by e-mail to join a plan as an editor or a viewer. The mailed link carries a
-- random token; only its SHA-256 (hex) is kept, so a database leak opens no invitation.
CREATE TABLE plan_invitations (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL,
    role VARCHAR(20) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    accepted_at TIMESTAMP WITH TIME ZONE,
    -- Who accepted it (their account's e-mail is the invited one).
    accepted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    revoked_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT check_plan_invitation_role CHECK (role IN ('editor', 'viewer')),
    CONSTRAINT plan_invitations_token_hash_key UNIQUE (token_hash)
);

-- The owner's list of pending invitations, newest first; one open invitation per address.
CREATE INDEX idx_plan_invitations_plan ON plan_invitations (plan_id, created_at DESC);
CREATE UNIQUE INDEX idx_plan_invitations_open_email ON plan_invitations (plan_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- The open invitation whose token the request carries (`app.invitation`) is for this plan.
-- It runs as the tables' owner (plan_invitations' security is enabled, not forced), so the
-- policies of plans can ask it without recursing.
CREATE FUNCTION plan_invitation_open(plan integer) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.plan_invitations
        WHERE plan_id = plan
          AND token_hash = current_setting('app.invitation', true)
          AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now())
$$;

-- The invitee reads the plan they are invited to (its title on the invitation page) …
CREATE POLICY plans_invited ON plans FOR SELECT
    USING (plan_invitation_open(id));
-- … and joins it, themselves only, in the invitation's role.
CREATE POLICY members_join ON plan_members FOR INSERT
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::integer
                AND EXISTS (SELECT 1 FROM plan_invitations i
                            WHERE i.plan_id = plan_members.plan_id
                              AND i.role = plan_members.role
                              AND i.token_hash = current_setting('app.invitation', true)
                              AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                              AND i.expires_at > now()));

ALTER TABLE plan_invitations ENABLE ROW LEVEL SECURITY;
-- The owner (and staff) see and manage a plan's invitations; the invitee reads and accepts
-- the one whose token they carry.
CREATE POLICY invitations_owner ON plan_invitations
    USING (plan_owned(plan_id)) WITH CHECK (plan_owned(plan_id));
CREATE POLICY invitations_by_token ON plan_invitations FOR SELECT
    USING (token_hash = current_setting('app.invitation', true));
CREATE POLICY invitations_accept ON plan_invitations FOR UPDATE
    USING (token_hash = current_setting('app.invitation', true))
    WITH CHECK (token_hash = current_setting('app.invitation', true));
